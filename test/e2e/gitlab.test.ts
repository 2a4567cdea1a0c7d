/**
 * GitLab end to end, on the same bot and runners as GitHub: Push Hooks run the project's
 * `.flotilla/workflows` at the commit and report commit statuses (pending → running → success,
 * one per job and one per workflow run); the runner clones with a deploy token that reads only
 * that project; a GitLab push and a GitHub push run at once; a hook delivered twice runs once;
 * bad tokens, bodies and hooks are refused with nothing stored; GitLab answering 429 and 502 for
 * a while loses no status. Real bot, runners, NATS, Postgres and git; GitLab is the fake.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runs } from "../../db/schema.ts";
import { gitlabFlotillaSuite } from "../helpers/gitlab-flotilla.ts";
import { pushHook, tagPushHook } from "../helpers/gitlab-webhooks.ts";

const s = gitlabFlotillaSuite();

const WORKFLOW = `name: ci
on: push
jobs:
  build:
    runs-on: self-hosted
    steps:
      - uses: actions/checkout@v4
      - run: echo "repo=\${{ github.repository }} ref=\${{ github.ref }} event=\${{ github.event_name }}" && cat hello.txt
`;

/** Each project's own content, so no two projects share a commit (statuses are told apart by SHA). */
const files = (path: string) => ({
  ".flotilla/workflows/ci.yml": WORKFLOW,
  "hello.txt": "hello from gitlab\n",
  "project.txt": `${path}\n`,
});

describe("a GitLab push", { timeout: 240_000 }, () => {
  it("runs the project's workflow and reports pending → running → success statuses, per job and per run", async () => {
    const { project, sha } = await s.pushProject("acme/widgets", files("acme/widgets"));
    const [job, run] = await s.settled(sha, ["build", "flotilla/ci"]);
    expect(job).toMatchObject({ status: "success", description: expect.stringMatching(/^Succeeded/) });
    expect(job!.targetUrl).toMatch(new RegExp(`^${s.f.publicUrl}/jobs/`));
    expect(run).toMatchObject({ status: "success" });
    expect(run!.targetUrl).toMatch(new RegExp(`^${s.f.publicUrl}/runs/`));
    expect(s.history(sha, "build")).toEqual(["pending", "running", "success"]);
    // The job saw GitHub's names for GitLab's values, and checked the commit out.
    const page = await (await fetch(job!.targetUrl!)).text();
    expect(page).toContain("repo=acme/widgets ref=refs/heads/main event=push");
    expect(page).toContain("hello from gitlab");
    // Cloned with a deploy token of that project that can only read it; never with the bot's token.
    const token = s.gl.deployTokens.find((t) => t.projectId === project.id);
    expect(token?.scopes).toEqual(["read_repository"]);
    const clones = s.gl.clones.filter((c) => c.project === project.path && c.ok);
    expect(clones.length).toBeGreaterThan(0);
    expect(clones.every((c) => c.username === token?.username)).toBe(true);
    expect(page).not.toContain(token!.token);
  });

  it("and a GitHub push run at once on the same bot and runner", async () => {
    const github = await s.f.repository("acme", "both", files("github/acme/both"));
    const [gitlab] = await Promise.all([
      s.pushProject("acme/both", files("acme/both")),
      s.f.push(github.repo, github.sha),
    ]);
    const [[job]] = await Promise.all([
      s.settled(gitlab.sha, ["build", "flotilla/ci"]),
      s.f.finished(github.sha, ["build"]),
    ]);
    expect(job!.status).toBe("success");
    const [check] = s.f.fake.checkRuns.filter((c) => c.run.head_sha === github.sha);
    expect(check?.run.conclusion).toBe("success");
    // Two projects of the same path on two forges are two repositories.
    const repositories = (await s.f.bot.db.db.select({ repository: runs.repository }).from(runs)).map(
      (r) => r.repository,
    );
    expect(repositories).toContain("acme/both");
    expect(repositories).toContain(`${new URL(s.gl.url).host}/acme/both`);
  });

  it("of a tag (Tag Push Hook) runs with github.ref the tag", async () => {
    const { project, sha } = await s.gl.createProject("acme/tagged", files("acme/tagged"));
    const answer = await s.deliver(tagPushHook(project, s.gl.url, { tag: "v1.0.0", after: sha }));
    expect(answer.status).toBe(202);
    const [job] = await s.settled(sha, ["build", "flotilla/ci"]);
    expect(job!.status).toBe("success");
    expect(await (await fetch(job!.targetUrl!)).text()).toContain("ref=refs/tags/v1.0.0 event=push");
  });

  it("delivered twice (GitLab's retry, same Idempotency-Key) runs once", async () => {
    const { project, sha } = await s.gl.createProject("acme/twice", files("acme/twice"));
    const hook = pushHook(project, s.gl.url, { before: "0".repeat(40), after: sha });
    const first = await s.deliver(hook, { idempotencyKey: "retry-1" });
    const second = await s.deliver(hook, { idempotencyKey: "retry-1" });
    expect([first.status, second.status]).toEqual([202, 202]);
    await s.settled(sha, ["build", "flotilla/ci"]);
    const rows = await s.f.bot.db.db.select().from(runs).where(eq(runs.sha, sha));
    expect(rows).toHaveLength(1);
    expect(s.history(sha, "build")).toEqual(["pending", "running", "success"]);
  });

  it("loses no status while GitLab answers 429 and 502 for a while", async () => {
    const { project, sha } = await s.gl.createProject("acme/flaky", files("acme/flaky"));
    s.gl.fail(/^POST \/api\/v4\/projects\/[^/]+\/statuses\//, 429, 3, { retryAfterSeconds: 1 });
    s.gl.fail(/^POST \/api\/v4\/projects\/[^/]+\/statuses\//, 502, 6);
    const answer = await s.deliver(pushHook(project, s.gl.url, { before: "0".repeat(40), after: sha }));
    expect(answer.status).toBe(202);
    const [job, run] = await s.settled(sha, ["build", "flotilla/ci"]);
    expect([job!.status, run!.status]).toEqual(["success", "success"]);
    expect(s.history(sha, "build")).toEqual(["pending", "running", "success"]);
    expect(s.gl.requests.filter((r) => r.status === 429 || r.status === 502).length).toBe(9);
  });
});

describe("the GitLab webhook", () => {
  it("refuses a missing or wrong token (401), a body that is not JSON and a hook it does not take (400), storing nothing", async () => {
    const { project, sha } = await s.gl.createProject("acme/refused", files("acme/refused"));
    const hook = pushHook(project, s.gl.url, { before: "0".repeat(40), after: sha });
    expect((await s.deliver(hook, { secret: null })).status).toBe(401);
    expect((await s.deliver(hook, { secret: "not-the-secret" })).status).toBe(401);
    const post = (headers: Record<string, string>, body: string) =>
      fetch(s.hookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-gitlab-token": s.secret, ...headers },
        body,
      });
    expect((await post({ "x-gitlab-event": "Push Hook" }, "{not json")).status).toBe(400);
    const unknown = await post({ "x-gitlab-event": "Wiki Page Hook" }, "{}");
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("Wiki Page Hook");
    const lacking = await post({ "x-gitlab-event": "Push Hook" }, JSON.stringify({ object_kind: "push" }));
    expect(lacking.status).toBe(400);
    // Nothing ran for that commit: no status was ever posted.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(s.gl.statuses.filter((st) => st.sha === sha)).toEqual([]);
  });
});
