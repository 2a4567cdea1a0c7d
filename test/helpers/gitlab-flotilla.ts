/**
 * A whole Flotilla serving GitLab beside GitHub, for end-to-end suites: the fake GitLab (reached
 * through GITLAB_URL, as a self-managed user sets it), the fake GitHub and the real bot, NATS,
 * Postgres and runners of `startFlotilla`. Suites drive it the way GitLab would: hooks POSTed to
 * `PUBLIC_URL/gitlab/webhook` with the project's secret token.
 */
import { randomBytes } from "node:crypto";
import { startFakeGitLab } from "./fake-gitlab.ts";
import type { FakeGitLab, FakeGitLabProject, FakeGitLabStatus } from "./fake-gitlab/types.ts";
import { startFlotilla, type Flotilla, type FlotillaOptions } from "./flotilla.ts";
import { deliverGitLabHook, type GitLabHook, noteHook, pushHook } from "./gitlab-webhooks.ts";
import { suiteValue } from "./suite-value.ts";

export interface GitLabFlotilla {
  f: Flotilla;
  gl: FakeGitLab;
  hookUrl: string;
  secret: string;
  /** Delivers a hook as GitLab does; returns the bot's answer. */
  deliver(
    hook: GitLabHook,
    options?: { idempotencyKey?: string; secret?: string | null },
  ): Promise<{ status: number; body: string }>;
  /** A project with `files` and the Push Hook of its first commit, delivered (rejects unless taken, 202). */
  pushProject(
    path: string,
    files: Record<string, string>,
    options?: { visibility?: "private" | "public" },
  ): Promise<{ project: FakeGitLabProject; sha: string }>;
  /** A note by `author` on the merge request, delivered as its Note Hook. */
  note(
    target: FakeGitLabProject,
    mr: { iid: number; sha: string; sourceBranch: string; source?: FakeGitLabProject },
    author: string,
    body: string,
  ): Promise<number>;
  /** The latest status of each name on `sha`, once every name given is in one of `states`. */
  settled(sha: string, names: string[], states?: string[], timeoutMs?: number): Promise<FakeGitLabStatus[]>;
  /** The states status `name` on `sha` went through, in order. */
  history(sha: string, name: string): string[];
}

export function gitlabFlotillaSuite(
  options: FlotillaOptions & { runners?: { name: string; namespace?: string }[] } = {},
): GitLabFlotilla {
  const { runners = [{ name: "gl-runner" }], ...flotilla } = options;
  return suiteValue("the suite's GitLab Flotilla", {
    async open() {
      const gl = await startFakeGitLab();
      const secret = randomBytes(16).toString("hex");
      const f = await startFlotilla({
        ...flotilla,
        env: { GITLAB_URL: gl.url, GITLAB_TOKEN: gl.token, GITLAB_WEBHOOK_SECRET: secret, ...flotilla.env },
      });
      return gitlabFlotilla(f, gl, secret);
    },
    async setUp(s) {
      for (const runner of runners) await s.f.startRunner(runner);
    },
    async close(s) {
      await s.f.close();
      await s.gl.close();
    },
  });
}

function gitlabFlotilla(f: Flotilla, gl: FakeGitLab, secret: string): GitLabFlotilla {
  const hookUrl = `${f.publicUrl}/gitlab/webhook`;
  const latest = (sha: string, name: string) => gl.statuses.filter((s) => s.sha === sha && s.name === name).at(-1);
  const s: GitLabFlotilla = {
    f,
    gl,
    hookUrl,
    secret,
    deliver: (hook, o = {}) =>
      deliverGitLabHook(hookUrl, o.secret === null ? undefined : (o.secret ?? secret), hook, {
        ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
      }),
    async pushProject(path, files, o = {}) {
      const created = await gl.createProject(path, files, { visibility: o.visibility ?? "private" });
      const answer = await s.deliver(pushHook(created.project, gl.url, { before: "0".repeat(40), after: created.sha }));
      if (answer.status !== 202) throw new Error(`the bot answered the push with ${answer.status}: ${answer.body}`);
      return created;
    },
    async note(target, mr, author, body) {
      const posted = gl.addNote(target, mr.iid, author, body);
      if (posted.id === 0) return 0;
      const hook = noteHook(target, gl.url, {
        iid: mr.iid,
        noteId: posted.id,
        author,
        body: posted.body,
        sha: mr.sha,
        sourceBranch: mr.sourceBranch,
        ...(mr.source ? { source: mr.source } : {}),
      });
      const answer = await s.deliver(hook);
      if (answer.status !== 202) throw new Error(`the bot answered the note with ${answer.status}: ${answer.body}`);
      return posted.id;
    },
    settled: (sha, names, states = ["success", "failed", "canceled", "skipped"], timeoutMs = 180_000) =>
      gl.waitFor(
        () => {
          const found = names.map((name) => latest(sha, name));
          return found.every((st) => st && states.includes(st.status)) && (found as FakeGitLabStatus[]);
        },
        { timeoutMs, what: `statuses ${names.join(", ")} on ${sha.slice(0, 7)} in ${states.join("/")}` },
      ),
    history: (sha, name) => gl.statuses.filter((st) => st.sha === sha && st.name === name).map((st) => st.status),
  };
  return s;
}
