/**
 * Push and pull request → jobs on runners over JetStream → check runs and statuses, end to
 * end: real bot, real NATS, real Postgres, real runners and git, fake GitHub over HTTP.
 */
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { sql } from "drizzle-orm";
import { encode } from "../../protocol/messages.ts";
import type { CheckRunRecord, FakeRepository } from "../helpers/fake-github.ts";
import { cloneRepo, commitFiles, createRepo } from "../helpers/git-repo.ts";
import { INSTALLATION_ID } from "../helpers/flotilla.ts";
import { sign } from "@octokit/webhooks-methods";
import { postWebhook, pullRequestPayload, pushPayload, signedDelivery } from "../helpers/webhooks.ts";
import { scratchDir } from "../helpers/scratch.ts";

const scratch = scratchDir("flotilla-e2e-repos-");

const f = flotillaSuite({
  runners: [
    // Runner "plain" has only the default labels; "gpu" adds one. A gpu job can only go to "gpu".
    { name: "plain" },
    { name: "gpu", labels: ["gpu"] },
  ],
});

async function repository(
  name: string,
  files: Record<string, string>,
  options: { private?: boolean; owner?: string } = {},
) {
  const dir = join(scratch(), `${options.owner ?? "acme"}-${name}`);
  const { sha } = await createRepo(dir, files);
  const repo = await f.fake.addRepository({
    owner: options.owner ?? "acme",
    name,
    dir,
    private: options.private ?? true,
    installationId: INSTALLATION_ID,
  });
  return { repo, sha, dir };
}

async function push(repo: FakeRepository, sha: string, id?: string) {
  return f.deliver("push", pushPayload(repo, { sha, installationId: INSTALLATION_ID }), id);
}

function completed(name: string, sha: string) {
  return f.fake.waitForCheckRun(name, (r) => r.run.head_sha === sha && r.run.status === "completed", {
    timeoutMs: 30_000,
  });
}

function statusesOf(history: CheckRunRecord["history"]) {
  return history.map((h) => String(h.body.status ?? (h.body.conclusion ? "completed" : "")));
}

const TWO_LABELSETS = `name: CI
on: [push, pull_request]
env:
  GREETING: hello
jobs:
  build:
    name: Build
    runs-on: [self-hosted, linux]
    steps:
      - name: Greet
        run: echo "$GREETING from $GITHUB_SHA on $RUNNER_OS/$RUNNER_ARCH, CI=$CI, repo $GITHUB_REPOSITORY"
      - name: Look around
        run: test -f README.md && echo "checked out $(git rev-parse HEAD)"
  gpu:
    name: GPU tests
    runs-on: [self-hosted, gpu]
    steps:
      - run: echo "running on the gpu box"
`;

describe("a push", () => {
  it("runs each job on a runner with the labels it asks for, and reports queued → in_progress → completed", async () => {
    const { repo, sha } = await repository("widgets", {
      "README.md": "# widgets\n",
      ".flotilla/workflows/ci.yml": TWO_LABELSETS,
    });
    const answer = await push(repo, sha);
    expect(answer.status).toBe(202);

    const build = await completed("Build", sha);
    const gpu = await completed("GPU tests", sha);
    for (const run of [build, gpu]) {
      expect(run.run.conclusion).toBe("success");
      expect(statusesOf(run.history)).toEqual(["queued", "in_progress", "completed"]);
      // A job costs at most three GitHub writes: create, start, complete.
      expect(run.history.length).toBeLessThanOrEqual(3);
      expect(String(run.run.details_url)).toMatch(
        new RegExp(`^${f.publicUrl}/jobs/[0-9a-f-]{36}\\?token=[A-Za-z0-9_-]{32}$`),
      );
    }
    const buildOutput = build.run.output as { title: string; summary: string; text: string };
    expect(buildOutput.text).toContain(`hello from ${sha} on Linux/`);
    expect(buildOutput.text).toContain("CI=true, repo acme/widgets");
    expect(buildOutput.text).toContain(`checked out ${sha}`);
    expect(buildOutput.summary).toMatch(/\| ✅ Greet \| success \|/);
    expect(buildOutput.summary).toMatch(/\| ✅ Look around \| success \|/);
    expect((gpu.run.output as { summary: string }).summary).toContain("Ran on `gpu`");

    const status = await f.fake.waitFor(
      () =>
        f.fake.statuses
          .filter((s) => s.sha === sha && s.status.context === "flotilla/CI")
          .map((s) => s.status.state)
          .join(",")
          .endsWith("success") && f.fake.statuses.filter((s) => s.sha === sha),
    );
    expect(status.map((s) => s.status.state)).toEqual(["pending", "success"]);

    // The runner cloned with a token that can only read this repository's contents.
    const clone = f.fake.clones.find((c) => c.repo === "acme/widgets" && c.token);
    const token = f.fake.tokens.find((t) => t.token === clone?.token);
    expect(token?.repositories).toEqual(["acme/widgets"]);
    expect(token?.permissions).toEqual({ contents: "read" });
    expect(buildOutput.text).not.toContain(token!.token);
    expect(f.fake.invalidRequests).toEqual([]);
  });

  it("opens the job's log page from details_url, and only with the run's token", async () => {
    const { repo, sha } = await repository("pages", {
      "README.md": "x\n",
      ".flotilla/workflows/ci.yml": `on: push\njobs:\n  color:\n    runs-on: self-hosted\n    steps:\n      - run: printf '\\033[32mgreen <text>\\033[0m\\n'\n`,
    });
    await push(repo, sha);
    const run = await completed("color", sha);
    const url = String(run.run.details_url);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<span style="color:rgb(0,187,0)">green &lt;text&gt;</span>');
    expect((await fetch(url.replace(/token=.*/, "token=wrong"))).status).toBe(404);
    expect((await fetch(url.replace(/\?token=.*/, ""))).status).toBe(404);
    const runPage = await fetch(String(f.fake.statuses.find((s) => s.sha === sha)?.status.target_url));
    expect(runPage.status).toBe(200);
    expect(await runPage.text()).toContain("color");
  });

  it("fails the job at a failing step, skips the rest, and fails the commit status", async () => {
    const { repo, sha } = await repository("failing", {
      "README.md": "x\n",
      ".flotilla/workflows/test.yml": `name: Tests\non: push\njobs:\n  unit:\n    runs-on: self-hosted\n    steps:\n      - name: Prepare\n        run: echo preparing\n      - name: Test\n        run: |\n          echo "1 test failed"\n          exit 3\n      - name: Never\n        run: echo this-must-not-run\n`,
    });
    await push(repo, sha);
    const run = await completed("unit", sha);
    expect(run.run.conclusion).toBe("failure");
    const output = run.run.output as { title: string; summary: string; text: string };
    expect(output.title).toBe("Failed at step “Test”");
    expect(output.text).toContain("1 test failed");
    expect(output.text).not.toContain("this-must-not-run");
    expect(output.summary).toMatch(/\| ❌ Test \| failure \|/);
    const final = await f.finalStatus(sha);
    expect(final.status).toMatchObject({ state: "failure", context: "flotilla/Tests" });
  });

  it("turns a workflow file that does not parse into a failed check run pointing at the line", async () => {
    const { repo, sha } = await repository("broken", {
      "README.md": "x\n",
      ".flotilla/workflows/broken.yml":
        "on: push\njobs:\n  a:\n    runs-on: self-hosted\n    steps:\n      - uses: actions/checkout@v4\n        runs: x\n",
    });
    await push(repo, sha);
    const run = await completed(".flotilla/workflows/broken.yml", sha);
    expect(run.run.conclusion).toBe("failure");
    expect(run.annotations).toEqual([
      expect.objectContaining({
        path: ".flotilla/workflows/broken.yml",
        start_line: 7,
        annotation_level: "failure",
        message: "Unexpected value 'runs'",
      }),
    ]);
  });

  it("posts nothing for a repository without workflow files", async () => {
    const { repo, sha } = await repository("quiet", { "README.md": "nothing here\n" });
    const before = f.fake.requests.length;
    expect((await push(repo, sha)).status).toBe(202);
    // The planner reads the workflow directory; once it has, nothing more may follow.
    await f.fake.waitFor(() =>
      f.fake.requests.slice(before).some((r) => r.path.includes("/acme/quiet/contents/.flotilla")),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(f.fake.checkRuns.filter((r) => r.run.head_sha === sha)).toEqual([]);
    expect(f.fake.statuses.filter((s) => s.sha === sha)).toEqual([]);
  });
});

describe("a delivery seen twice", () => {
  it("produces one run, whether JetStream or Postgres catches the copy", async () => {
    const { repo, sha } = await repository("dupes", {
      "README.md": "x\n",
      ".flotilla/workflows/ci.yml": `on: push\njobs:\n  once:\n    runs-on: self-hosted\n    steps:\n      - run: echo once\n`,
    });
    const id = randomUUID();
    const first = await push(repo, sha, id);
    const second = await push(repo, sha, id);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(JSON.parse(second.body).duplicate).toBe(true);
    await completed("once", sha);

    // Past JetStream's duplicate window the copy reaches the planner: Postgres must stop it.
    const payload = pushPayload(repo, { sha, installationId: INSTALLATION_ID });
    await f.bot.bus.js.publish(
      f.bot.bus.names.eventsSubject("github"),
      encode({ v: 1, forge: "github", deliveryId: id, name: "push", payload, receivedAt: new Date().toISOString() }),
    );
    const marker = await repository("dupes-marker", {
      "README.md": "x\n",
      ".flotilla/workflows/ci.yml": `on: push\njobs:\n  marker:\n    runs-on: self-hosted\n    steps:\n      - run: "true"\n`,
    });
    await push(marker.repo, marker.sha);
    await completed("marker", marker.sha);

    expect(f.fake.checkRuns.filter((r) => r.run.head_sha === sha)).toHaveLength(1);
    const rows = await f.bot.db.db.execute(sql`select count(*)::int as n from runs where sha = ${sha}`);
    expect(
      (rows as unknown as { n: number }[])[0]?.n ?? (rows as unknown as { rows: { n: number }[] }).rows[0]?.n,
    ).toBe(1);
  });
});

describe("a pull request from a fork", () => {
  it("runs the workflows of its test merge, the fork's changes to them included, cloned from the base", async () => {
    const base = await repository("upstream", {
      "README.md": "upstream\n",
      ".flotilla/workflows/ci.yml": `on: pull_request\njobs:\n  check:\n    runs-on: self-hosted\n    steps:\n      - run: echo base-workflow\n`,
    });
    const forkDir = await cloneRepo(base.dir, join(scratch(), "contributor-upstream"));
    const head = await commitFiles(forkDir, {
      "README.md": "fork\n",
      ".flotilla/workflows/ci.yml": `on: pull_request\njobs:\n  check:\n    runs-on: self-hosted\n    steps:\n      - run: echo "fork workflow sees $(cat README.md)"\n`,
    });
    const fork = await f.fake.addRepository({ owner: "contributor", name: "upstream", dir: forkDir });
    // Its author can write to the base: the fork's PR runs without approval (docs/commands.md).
    f.fake.setPermission(base.repo, "contributor", "write");
    await f.fake.openPullRequest(base.repo, {
      number: 7,
      headSha: head,
      headRef: "feature",
      headRepo: fork,
      headDir: forkDir,
    });
    const answer = await f.deliver(
      "pull_request",
      pullRequestPayload(base.repo, {
        action: "opened",
        number: 7,
        headSha: head,
        headRef: "feature",
        headRepo: fork,
        installationId: INSTALLATION_ID,
      }),
    );
    expect(answer.status).toBe(202);
    const run = await completed("check", head);
    expect(run.repo).toBe("acme/upstream");
    expect(run.run.conclusion).toBe("success");
    expect((run.run.output as { text: string }).text).toContain("fork workflow sees fork");
    // A public fork could be cloned anonymously; its code comes from the base's refs/pull/7/* all the same.
    expect(f.fake.clones.filter((c) => c.repo === "contributor/upstream")).toEqual([]);
  });
});

describe("bad webhooks", () => {
  it("answers 401 unsigned or badly signed, 400 malformed or incomplete, enqueues nothing and stays up", async () => {
    const jsm = await jetstreamManager(f.bot.bus.nc);
    const before = (await jsm.streams.info(f.bot.bus.names.eventsStream)).state.messages;
    const url = `${f.publicUrl}/api/github/webhooks`;
    const headers = { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": randomUUID() };

    const unsigned = await fetch(url, { method: "POST", headers, body: "{}" });
    expect(unsigned.status).toBe(401);
    const forged = await fetch(url, {
      method: "POST",
      headers: { ...headers, "x-hub-signature-256": `sha256=${"0".repeat(64)}` },
      body: "{}",
    });
    expect(forged.status).toBe(401);
    // Signed and JSON, but no push GitHub would send: refused, naming what the planner would miss.
    const odd = await signedDelivery({ zen: "not a push" }, { secret: f.app.webhookSecret, event: "push" });
    expect(await postWebhook(url, odd)).toMatchObject({
      status: 400,
      body: expect.stringContaining("push payload lacks ref"),
    });
    const broken = "{not json";
    const brokenAnswer = await fetch(url, {
      method: "POST",
      headers: { ...headers, "x-hub-signature-256": await sign(f.app.webhookSecret, broken) },
      body: broken,
    });
    expect(brokenAnswer.status).toBe(400);
    const noEvent = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": await sign(f.app.webhookSecret, "{}") },
      body: "{}",
    });
    expect(noEvent.status).toBe(400);

    const after = (await jsm.streams.info(f.bot.bus.names.eventsStream)).state.messages;
    expect(after - before).toBe(0);
    expect((await fetch(`${f.publicUrl}/healthz`)).status).toBe(200);
  });
});
