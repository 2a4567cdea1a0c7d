import { join } from "node:path";
import { Probot } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { firstFaults, randomFaults, startFakeGitHub, type FakeGitHub } from "./fake-github.ts";
import { scratchDir } from "./scratch.ts";
import { createRepo } from "./git-repo.ts";
import { createAppCredentials } from "./github-app.ts";

describe("fake GitHub: injected faults", () => {
  const app = createAppCredentials();
  const tmp = scratchDir("flotilla-fake-faults-");
  let fake: FakeGitHub;
  let token: string;
  let sha: string;

  beforeAll(async () => {
    const repo = await createRepo(join(tmp(), "widgets"), { "README.md": "hello\n" });
    sha = repo.sha;
    fake = await startFakeGitHub({ app });
    await fake.addRepository({ owner: "acme", name: "widgets", dir: repo.dir, installationId: 42 });
    const probot = new Probot({
      appId: app.appId,
      privateKey: app.privateKey,
      baseUrl: fake.apiUrl,
      logLevel: "fatal",
    });
    const minted = await (await probot.auth()).request("POST /app/installations/{installation_id}/access_tokens", {
      installation_id: 42,
    });
    token = minted.data.token;
  });

  afterEach(() => {
    fake.faults = undefined;
    fake.rateLimit = undefined;
  });

  afterAll(async () => {
    await fake?.close();
  });

  // Raw requests: Octokit would retry, and the test is about what the fake answers.
  const call = (method: string, path: string, body?: object) =>
    fetch(`${fake.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${token}`, "content-type": "application/json" },
      body: body && JSON.stringify(body),
    });
  const status = { state: "pending", context: "ci" };

  it("answers a secondary rate limit as GitHub documents it, and changes nothing", async () => {
    fake.faults = firstFaults(1, { secondaryRateLimit: 1 });
    const refused = await call("POST", `/repos/acme/widgets/statuses/${sha}`, status);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(((await refused.json()) as { message: string }).message).toMatch(
      /^You have exceeded a secondary rate limit/,
    );
    expect(fake.statuses).toHaveLength(0);
    expect((await call("POST", `/repos/acme/widgets/statuses/${sha}`, status)).status).toBe(201);
    expect(fake.statuses).toHaveLength(1);
  });

  it("lands a write and then answers 502 when told afterWrite", async () => {
    fake.faults = firstFaults(1, { status: 502, afterWrite: true });
    const answer = await call("POST", "/repos/acme/widgets/check-runs", { name: "landed", head_sha: sha });
    expect(answer.status).toBe(502);
    expect(fake.checkRuns.map((r) => r.run.name)).toEqual(["landed"]);
    expect(fake.injectedFaults.at(-1)).toMatchObject({ method: "POST", path: "/api/v3/repos/acme/widgets/check-runs" });
  });

  it("never fails reads, and fails about the share of writes it was given", async () => {
    fake.faults = randomFaults(0.5, { status: 502 }, { seed: 1 });
    const reads = await Promise.all(
      Array.from({ length: 20 }, () => call("GET", `/repos/acme/widgets/commits/${sha}/check-runs`)),
    );
    expect(reads.every((r) => r.status === 200)).toBe(true);
    const writes = await Promise.all(
      Array.from({ length: 40 }, () => call("POST", `/repos/acme/widgets/statuses/${sha}`, status)),
    );
    const failed = writes.filter((r) => r.status === 502).length;
    expect(failed).toBeGreaterThan(8);
    expect(failed).toBeLessThan(32);
    expect(fake.statuses).toHaveLength(1 + 40 - failed);
  });

  it("counts a small primary budget and refuses past it as GitHub does, changing nothing", async () => {
    fake.rateLimit = { limit: 2, windowMs: 60_000 };
    const first = await call("POST", `/repos/acme/widgets/statuses/${sha}`, status);
    expect(first.headers.get("x-ratelimit-remaining")).toBe("1");
    expect(first.headers.get("x-ratelimit-limit")).toBe("2");
    expect(Number(first.headers.get("x-ratelimit-reset")) * 1000).toBeGreaterThan(Date.now());
    await call("GET", `/repos/acme/widgets/commits/${sha}/check-runs`);
    const before = fake.statuses.length;
    const refused = await call("POST", `/repos/acme/widgets/statuses/${sha}`, status);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(refused.headers.get("x-ratelimit-resource")).toBe("core");
    expect(((await refused.json()) as { message: string }).message).toBe(
      "API rate limit exceeded for installation ID 42.",
    );
    expect(fake.statuses).toHaveLength(before);
    expect(fake.rateLimited.map((r) => r.caller)).toEqual(["installation:42"]);
  });
});
