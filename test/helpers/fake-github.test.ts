import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { verify } from "@octokit/webhooks-methods";
import { execa } from "execa";
import { createProbot, Probot, type ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitHub, validateResponseBody, type FakeGitHub, type FakeRepository } from "./fake-github.ts";
import { scratchDir } from "./scratch.ts";
import { cloneRepo, commitFiles, createRepo } from "./git-repo.ts";
import { appSettings, createAppCredentials } from "./github-app.ts";
import { postWebhook, pullRequestPayload, pushPayload, signedDelivery } from "./webhooks.ts";

const INSTALLATION = 42;
const WORKFLOW = "on: push\njobs:\n  build:\n    runs-on: linux\n    steps:\n      - run: make\n";

describe("fake GitHub", () => {
  const app = createAppCredentials();
  const tmp = scratchDir("flotilla-fake-gh-test-");
  let fake: FakeGitHub;
  let octokit: ProbotOctokit;
  let appOctokit: ProbotOctokit;
  let widgets: FakeRepository;
  let fork: FakeRepository;
  let firstSha: string;
  let secondSha: string;
  let forkSha: string;

  beforeAll(async () => {
    const base = await createRepo(join(tmp(), "widgets"), {
      ".github/workflows/ci.yml": WORKFLOW,
      "README.md": "hello\n",
    });
    firstSha = base.sha;
    secondSha = await commitFiles(
      base.dir,
      { "src/main.c": "int main(void) { return 0; }\n", "README.md": "hello again\n" },
      "Add main",
    );
    await cloneRepo(base.dir, join(tmp(), "fork"));
    forkSha = await commitFiles(join(tmp(), "fork"), { "src/evil.c": "/* from a fork */\n" }, "Fork change");

    fake = await startFakeGitHub({ app });
    widgets = await fake.addRepository({
      owner: "acme",
      name: "widgets",
      dir: base.dir,
      private: true,
      installationId: INSTALLATION,
    });
    fork = await fake.addRepository({
      owner: "contributor",
      name: "widgets",
      dir: join(tmp(), "fork"),
      installationId: 7,
    });
    await fake.openPullRequest(widgets, {
      number: 5,
      headSha: forkSha,
      headRef: "feature",
      headRepo: fork,
      headDir: join(tmp(), "fork"),
    });

    const probot = new Probot({
      appId: app.appId,
      privateKey: app.privateKey,
      baseUrl: fake.apiUrl,
      logLevel: "fatal",
    });
    octokit = await probot.auth(INSTALLATION);
    appOctokit = await probot.auth();
  });

  afterAll(async () => {
    await fake?.close();
  });

  it("serves the app and its installation to the app JWT, and refuses a bad JWT", async () => {
    const { data } = await appOctokit.request("GET /app");
    expect(data?.id).toBe(app.appId);
    expect(validateResponseBody("GET", "/app", 200, data).message).toBe("");
    const installation = await appOctokit.request("GET /repos/{owner}/{repo}/installation", {
      owner: "acme",
      repo: "widgets",
    });
    expect(installation.data.id).toBe(INSTALLATION);
    const forged = await fetch(`${fake.apiUrl}/app`, { headers: { authorization: "Bearer a.b.c" } });
    expect(forged.status).toBe(401);
    expect(forged.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(forged.headers.get("x-github-request-id")).toBeTruthy();
  });

  it("serves repository, installation and token objects in GitHub's documented shapes", async () => {
    const repo = await octokit.rest.repos.get({ owner: "acme", repo: "widgets" });
    expect(repo.data).toMatchObject({
      full_name: "acme/widgets",
      private: true,
      default_branch: "main",
      clone_url: `${fake.url}/acme/widgets.git`,
    });
    expect(validateResponseBody("GET", "/repos/{owner}/{repo}", 200, repo.data).message).toBe("");
    const installation = await appOctokit.rest.apps.getInstallation({ installation_id: INSTALLATION });
    expect(validateResponseBody("GET", "/app/installations/{installation_id}", 200, installation.data).message).toBe(
      "",
    );
    const token = await appOctokit.rest.apps.createInstallationAccessToken({ installation_id: INSTALLATION });
    expect(token.status).toBe(201);
    expect(Date.parse(token.data.expires_at) - Date.now()).toBeGreaterThan(59 * 60 * 1000);
    expect(
      validateResponseBody("POST", "/app/installations/{installation_id}/access_tokens", 201, token.data).message,
    ).toBe("");
  });

  it("lists a directory and reads a file at a SHA", async () => {
    const root = await octokit.rest.repos.getContent({ owner: "acme", repo: "widgets", path: "", ref: firstSha });
    expect(Array.isArray(root.data) && root.data.map((e) => `${e.type}:${e.name}`).sort()).toEqual([
      "dir:.github",
      "file:README.md",
    ]);
    expect(validateResponseBody("GET", "/repos/{owner}/{repo}/contents/{path}", 200, root.data).message).toBe("");

    const dir = await octokit.rest.repos.getContent({
      owner: "acme",
      repo: "widgets",
      path: ".github/workflows",
      ref: secondSha,
    });
    expect(Array.isArray(dir.data) && dir.data[0]?.path).toBe(".github/workflows/ci.yml");

    const file = await octokit.rest.repos.getContent({
      owner: "acme",
      repo: "widgets",
      path: "README.md",
      ref: firstSha,
    });
    if (Array.isArray(file.data) || file.data.type !== "file") throw new Error("expected a file");
    expect(file.data.encoding).toBe("base64");
    expect(Buffer.from(file.data.content, "base64").toString()).toBe("hello\n");

    const atHead = await octokit.rest.repos.getContent({ owner: "acme", repo: "widgets", path: "README.md" });
    if (Array.isArray(atHead.data) || atHead.data.type !== "file") throw new Error("expected a file");
    expect(Buffer.from(atHead.data.content, "base64").toString()).toBe("hello again\n");

    const raw = await octokit.rest.repos.getContent({
      owner: "acme",
      repo: "widgets",
      path: ".github/workflows/ci.yml",
      mediaType: { format: "raw" },
    });
    expect(raw.data).toBe(WORKFLOW);

    await expect(
      octokit.rest.repos.getContent({ owner: "acme", repo: "widgets", path: "nope.txt" }),
    ).rejects.toMatchObject({ status: 404 });
    // The fork's head is reachable in the base repository through refs/pull/5/head.
    const fromFork = await octokit.rest.repos.getContent({
      owner: "acme",
      repo: "widgets",
      path: "src/evil.c",
      ref: forkSha,
    });
    expect(fromFork.status).toBe(200);
  });

  it("creates, updates and reads back a check run, counting writes and annotations", async () => {
    const created = await octokit.rest.checks.create({
      owner: "acme",
      repo: "widgets",
      name: "build",
      head_sha: secondSha,
      external_id: "job-1",
    });
    expect(created.status).toBe(201);
    expect(created.data.status).toBe("queued");
    expect(validateResponseBody("POST", "/repos/{owner}/{repo}/check-runs", 201, created.data).message).toBe("");

    const annotations = Array.from({ length: 50 }, (_, i) => ({
      path: "src/main.c",
      start_line: i + 1,
      end_line: i + 1,
      annotation_level: "warning" as const,
      message: `w${i}`,
    }));
    await octokit.rest.checks.update({
      owner: "acme",
      repo: "widgets",
      check_run_id: created.data.id,
      status: "in_progress",
      output: { title: "Running", summary: "…", annotations },
    });
    const done = fake.waitForCheckRun("build", (r) => r.run.status === "completed", { timeoutMs: 5000 });
    await octokit.rest.checks.update({
      owner: "acme",
      repo: "widgets",
      check_run_id: created.data.id,
      conclusion: "success",
      output: { title: "Passed", summary: "ok", annotations: annotations.slice(0, 2) },
    });
    const record = await done;

    expect(record.run.conclusion).toBe("success");
    expect(record.annotations).toHaveLength(52);
    expect(fake.writes[created.data.id]).toBe(3);
    const read = await octokit.rest.checks.get({ owner: "acme", repo: "widgets", check_run_id: created.data.id });
    expect(read.data).toMatchObject({
      status: "completed",
      conclusion: "success",
      output: { title: "Passed", annotations_count: 52 },
    });
    expect(validateResponseBody("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}", 200, read.data).message).toBe(
      "",
    );
    const list = await octokit.rest.checks.listForRef({ owner: "acme", repo: "widgets", ref: "main" });
    expect(list.data.check_runs.map((r) => r.id)).toEqual([created.data.id]);

    await expect(
      octokit.rest.checks.update({
        owner: "acme",
        repo: "widgets",
        check_run_id: created.data.id,
        output: { title: "t", summary: "s", annotations: [...annotations, annotations[0]!] },
      }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it("answers a body that violates GitHub's schema with 422 and records it", async () => {
    const before = fake.invalidRequests.length;
    const attempt = octokit.request("POST /repos/{owner}/{repo}/check-runs", {
      owner: "acme",
      repo: "widgets",
      name: "x",
      head_sha: secondSha,
      conclusion: "great" as "success",
    });
    await expect(attempt).rejects.toMatchObject({ status: 422 });
    expect(fake.invalidRequests.slice(before)).toHaveLength(1);
    expect(fake.invalidRequests.at(-1)?.message).toMatch(/^Invalid request\.\n\nFor 'properties\/conclusion'/);
  });

  it("creates and lists commit statuses and comments", async () => {
    const status = await octokit.rest.repos.createCommitStatus({
      owner: "acme",
      repo: "widgets",
      sha: secondSha,
      state: "pending",
      context: "flotilla/ci",
    });
    expect(validateResponseBody("POST", "/repos/{owner}/{repo}/statuses/{sha}", 201, status.data).message).toBe("");
    const listed = await octokit.rest.repos.listCommitStatusesForRef({
      owner: "acme",
      repo: "widgets",
      ref: secondSha,
    });
    expect(listed.data.map((s) => s.context)).toEqual(["flotilla/ci"]);
    const combined = await octokit.rest.repos.getCombinedStatusForRef({ owner: "acme", repo: "widgets", ref: "main" });
    expect(combined.data.state).toBe("pending");
    const comment = await octokit.rest.issues.createComment({
      owner: "acme",
      repo: "widgets",
      issue_number: 5,
      body: "hi",
    });
    expect(comment.status).toBe(201);
    expect(
      validateResponseBody("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", 201, comment.data).message,
    ).toBe("");
    expect(validateResponseBody("GET", "/repos/{owner}/{repo}/commits/{ref}/status", 200, combined.data).message).toBe(
      "",
    );
    expect(fake.statuses).toHaveLength(1);
  });

  it("keeps installation tokens to their repositories and permissions", async () => {
    const { data } = await appOctokit.request("POST /app/installations/{installation_id}/access_tokens", {
      installation_id: INSTALLATION,
      repositories: ["widgets"],
      permissions: { contents: "read" },
    });
    expect(data.repository_selection).toBe("selected");
    expect(fake.tokens.at(-1)).toMatchObject({ repositories: ["acme/widgets"], permissions: { contents: "read" } });
    const write = await fetch(`${fake.apiUrl}/repos/acme/widgets/check-runs`, {
      method: "POST",
      headers: { authorization: `token ${data.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "x", head_sha: secondSha }),
    });
    expect(write.status).toBe(403);
    const other = await fetch(`${fake.apiUrl}/repos/contributor/widgets`, {
      headers: { authorization: `token ${data.token}` },
    });
    expect(other.status).toBe(404);
    const bogus = await fetch(`${fake.apiUrl}/repos/acme/widgets`, { headers: { authorization: "token ghs_nope" } });
    expect(bogus.status).toBe(401);
    expect(await bogus.json()).toMatchObject({ message: "Bad credentials" });
  });

  it("clones a private repository over HTTP with a repo-scoped token, and fetches by SHA", async () => {
    const { data } = await appOctokit.request("POST /app/installations/{installation_id}/access_tokens", {
      installation_id: INSTALLATION,
      repositories: ["widgets"],
      permissions: { contents: "read" },
    });
    const basic = Buffer.from(`x-access-token:${data.token}`).toString("base64");
    const auth = ["-c", `http.extraHeader=Authorization: Basic ${basic}`];
    const dest = join(tmp(), "clone");
    await execa("git", [...auth, "clone", "--quiet", widgets.clone_url, dest]);
    expect(await readFile(join(dest, "src/main.c"), "utf8")).toContain("main");

    // The fork's PR head: not on any branch of the base repo, only under refs/pull/5/head.
    const shallow = join(tmp(), "shallow");
    await execa("git", ["init", "--quiet", shallow]);
    await execa("git", ["-C", shallow, "remote", "add", "origin", widgets.clone_url]);
    await execa("git", [...auth, "-C", shallow, "fetch", "--quiet", "--depth=1", "origin", forkSha]);
    await execa("git", ["-C", shallow, "checkout", "--quiet", "FETCH_HEAD"]);
    expect(await readFile(join(shallow, "src/evil.c"), "utf8")).toContain("fork");
    await execa("git", [...auth, "-C", shallow, "fetch", "--quiet", "origin", "refs/pull/5/head"]);
    expect(fake.clones.filter((c) => c.token === data.token && c.status === 200).length).toBeGreaterThanOrEqual(3);
  });

  it("refuses an anonymous clone of a private repository but allows a public one", async () => {
    const refused = await execa("git", ["clone", "--quiet", widgets.clone_url, join(tmp(), "anon")], {
      reject: false,
      env: { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "" },
    });
    expect(refused.exitCode).not.toBe(0);
    expect(fake.clones.at(-1)).toMatchObject({ repo: "acme/widgets", token: null, status: 401 });
    await execa("git", ["clone", "--quiet", fork.clone_url, join(tmp(), "public")]);
    expect(fake.clones.at(-1)).toMatchObject({ repo: "contributor/widgets", status: 200 });
  });

  it("builds webhook payloads from GitHub's examples, retargeted and signed", async () => {
    const push = pushPayload(widgets, { sha: secondSha, before: firstSha, installationId: INSTALLATION });
    expect(push).toMatchObject({
      ref: "refs/heads/main",
      after: secondSha,
      installation: { id: INSTALLATION },
      repository: { full_name: "acme/widgets", private: true },
    });
    expect((push.head_commit as { id: string }).id).toBe(secondSha);
    const text = JSON.stringify(push);
    // Commit authors keep the example's noreply emails; every URL must point at the fake.
    expect(text).not.toMatch(/https?:\/\/(api\.)?github\.com|Codertocat\/Hello-World/);

    const pr = pullRequestPayload(widgets, {
      action: "opened",
      number: 5,
      headSha: forkSha,
      headRef: "feature",
      headRepo: fork,
      installationId: INSTALLATION,
    });
    expect(pr).toMatchObject({
      action: "opened",
      number: 5,
      repository: { full_name: "acme/widgets" },
      pull_request: {
        number: 5,
        head: { sha: forkSha, ref: "feature", repo: { full_name: "contributor/widgets", fork: true } },
        base: { ref: "main", repo: { full_name: "acme/widgets" } },
      },
    });
    expect(JSON.stringify(pr)).not.toMatch(/api\.github\.com|Codertocat\/Hello-World/);
    expect((pr.pull_request as { url: string }).url).toBe(`${fake.apiUrl}/repos/acme/widgets/pulls/5`);

    const delivery = await signedDelivery(pr, { secret: app.webhookSecret, event: "pull_request" });
    expect(delivery.headers["x-github-event"]).toBe("pull_request");
    expect(await verify(app.webhookSecret, delivery.body, delivery.headers["x-hub-signature-256"]!)).toBe(true);
    expect(await verify("wrong", delivery.body, delivery.headers["x-hub-signature-256"]!)).toBe(false);
  });

  it("works for a Probot app configured like a GitHub Enterprise user would (GHE_HOST)", async () => {
    const probot = createProbot({
      env: {
        ...appSettings(app, fake),
        LOG_LEVEL: "fatal",
      },
    });
    probot.on("push", async (context) => {
      await context.octokit.rest.checks.create(context.repo({ name: "from-webhook", head_sha: context.payload.after }));
    });
    const server = createServer(await probot.getNodeMiddleware());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${probot.webhookPath}`;
    try {
      const delivery = await signedDelivery(pushPayload(widgets, { sha: firstSha, installationId: INSTALLATION }), {
        secret: app.webhookSecret,
        event: "push",
      });
      expect(await postWebhook(hookUrl, delivery)).toMatchObject({ status: 200 });
      const unsigned = await postWebhook(hookUrl, {
        ...delivery,
        headers: { ...delivery.headers, "x-hub-signature-256": "sha256=00" },
      });
      expect(unsigned.status).toBe(400);
    } finally {
      server.close();
    }
    const record = await fake.waitForCheckRun("from-webhook");
    expect(record).toMatchObject({ repo: "acme/widgets", run: { head_sha: firstSha } });
    // Earlier tests sent two bad bodies on purpose (a bogus conclusion, 51 annotations); nothing else.
    expect(fake.invalidRequests.map((r) => r.method)).toEqual(["PATCH", "POST"]);
  });

  it("records unknown endpoints and resolves waitFor / rejects with what it saw", async () => {
    const res = await fetch(`${fake.apiUrl}/repos/acme/widgets/deployments`, { headers: { authorization: "token x" } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ message: "Not Found", documentation_url: expect.any(String) });
    expect(fake.unexpectedRequests.at(-1)).toMatchObject({
      method: "GET",
      path: "/api/v3/repos/acme/widgets/deployments",
    });
    await expect(fake.waitForCheckRun("never", undefined, { timeoutMs: 50 })).rejects.toThrow(
      /"build" completed\/success/,
    );
  });

  it("serves commits made after the repository was added", async () => {
    const later = await commitFiles(join(tmp(), "widgets"), { "LATER.md": "new\n" }, "Later");
    const file = await octokit.rest.repos.getContent({ owner: "acme", repo: "widgets", path: "LATER.md" });
    expect(Array.isArray(file.data) ? undefined : file.data.sha).toBeTruthy();
    const status = await octokit.rest.repos.createCommitStatus({
      owner: "acme",
      repo: "widgets",
      sha: later,
      state: "success",
    });
    expect(status.data.context).toBe("default");
  });
});
