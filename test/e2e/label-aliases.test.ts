/**
 * Label aliases end to end: a workflow written for GitHub's hosted runners (`runs-on:
 * ubuntu-latest`) runs in a namespace that maps `ubuntu-latest` onto labels its runner has, and
 * in a namespace that does not, its queued check run says how to map it instead of waiting
 * without a word. Real bot, runner, NATS, Postgres and git.
 */
import { describe, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";

const f = flotillaSuite({ runners: [{ name: "lab-1", namespace: "lab", labels: ["linux", "x64"] }] });

const api = (path: string, method: string, body?: unknown) =>
  fetch(`${f.publicUrl}/api/v1/${path}`, {
    method,
    headers: { authorization: `Bearer ${f.apiToken}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

describe("a job for ubuntu-latest", { timeout: 240_000 }, () => {
  it("runs in the namespace that maps the label, and waits with advice in the one that does not", async () => {
    const saved = await api("namespaces/lab", "PUT", { follows: [], aliases: { "ubuntu-latest": ["linux", "x64"] } });
    // 201 when the runner's first heartbeat has not made the namespace yet.
    expect([200, 201]).toContain(saved.status);
    expect(await saved.json()).toMatchObject({ aliases: { "ubuntu-latest": ["linux", "x64"] } });
    expect((await api("namespaces/odd", "PUT", { follows: [], aliases: { "ubuntu-latest": [] } })).status).toBe(400);

    const { repo, sha } = await f.repository("acme", "hosted", {
      ".flotilla/workflows/ci.yml":
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo on a self-hosted ubuntu-latest\n",
    });
    await f.push(repo, sha);
    const [done] = await f.finished(sha, ["build [lab]"]);
    expect(done.run.conclusion).toBe("success");
    // The default namespace follows every repository too, has no alias and no runner for it.
    const waiting = await f.fake.waitFor(
      () => f.fake.checkRuns.find((c) => c.run.head_sha === sha && c.run.name === "build"),
      { timeoutMs: 180_000 },
    );
    expect(waiting.run.status).toBe("queued");
    const summary = (waiting.run.output as { summary: string }).summary;
    expect(summary).toContain("`ubuntu-latest` is a label of GitHub's hosted runners");
    expect(summary).toContain("flotilla namespace set default --alias 'ubuntu-latest=linux,x64'");
  });
});
