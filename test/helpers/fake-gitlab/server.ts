/**
 * A fake self-managed GitLab on a free 127.0.0.1 port, reached as the bot reaches any GitLab:
 * `GITLAB_URL=${fake.url}` and the bot's API token, REST under `/api/v4` in GitLab's shapes,
 * git smart HTTP under `/<path>.git`. The product cannot tell it from GitLab; tests make
 * projects, commits, merge requests and notes with the methods here, read what the bot did in
 * the recorded lists (statuses, notes, awards, deploy tokens, clones, requests), inject
 * failures with `fail`, and await states with `waitFor`.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployTokenRoutes } from "./deploy-token-routes.ts";
import { addFault, takeFault } from "./faults.ts";
import { isGitRequest, serveGit } from "./git-http.ts";
import { message, sendReply } from "./http.ts";
import { findMergeRequestEntry } from "./lookup.ts";
import { withoutQuickActions } from "./quick-actions.ts";
import { mergeRequestRoutes, openMergeRequest, updateMergeRequest } from "./merge-requests.ts";
import { noteRoutes, recordNote } from "./note-routes.ts";
import { projectRoutes } from "./project-routes.ts";
import { registerFake, unregisterFake } from "./registry.ts";
import { commitOn, createProject } from "./projects.ts";
import { repositoryRoutes } from "./repository-routes.ts";
import { compile, handleApi } from "./router.ts";
import { createState, waitFor, type ProjectEntry } from "./state.ts";
import { statusRoutes } from "./status-routes.ts";
import type { FakeGitLab, FakeGitLabProject, StartFakeGitLabOptions } from "./types.ts";

export async function startFakeGitLab(options: StartFakeGitLabOptions = {}): Promise<FakeGitLab> {
  const root = await mkdtemp(join(tmpdir(), "flotilla-fake-gitlab-"));
  const gitRoot = join(root, "git");
  await mkdir(gitRoot, { recursive: true });
  const table = compile([
    ...projectRoutes(),
    ...repositoryRoutes(),
    ...statusRoutes(),
    ...mergeRequestRoutes(),
    ...noteRoutes(),
    ...deployTokenRoutes(),
  ]);

  const server = createServer((req, res) => {
    handle(req, res).catch((cause: unknown) => {
      state.requests.push({ method: req.method ?? "GET", path: (req.url ?? "").split("?")[0] ?? "", status: 500 });
      if (!res.headersSent) sendReply(res, message(500, `500 fake GitLab failed: ${String(cause)}`));
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state = createState(url, options.token ?? "glpat-flotilla-bot-token", options.botUsername ?? "flotilla-bot");
  registerFake(state);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const rawPath = (req.url ?? "/").split("?")[0] ?? "/";
    const requestUrl = new URL(req.url ?? "/", url);
    const log = (status: number) => state.requests.push({ method, path: rawPath, status });
    const fault = takeFault(state, method, rawPath);
    if (fault) {
      req.resume();
      sendReply(res, fault);
      log(fault.status);
      return;
    }
    if (rawPath.startsWith("/api/v4/")) {
      const reply = await handleApi(req, requestUrl, rawPath.slice("/api/v4".length), table, state);
      sendReply(res, reply);
      log(reply.status);
      return;
    }
    if (isGitRequest(requestUrl.pathname)) {
      log(await serveGit(req, res, requestUrl, state, gitRoot));
      return;
    }
    req.resume();
    const reply = message(404, "404 Not Found");
    sendReply(res, reply);
    log(reply.status);
  }

  const entryOf = (project: FakeGitLabProject): ProjectEntry => {
    const entry = state.projects.get(project.id);
    if (!entry) throw new Error(`fake GitLab: no project ${project.path}`);
    return entry;
  };

  return {
    url,
    token: state.token,
    botUser: state.botUser,
    async createProject(path, files, opts = {}) {
      const { entry, sha } = await createProject(state, root, path, files, {
        ...opts,
        forkOf: opts.forkOf ? entryOf(opts.forkOf) : undefined,
      });
      return { project: entry.project, sha };
    },
    commit: (project, files, opts) => commitOn(entryOf(project), files, opts),
    async openMergeRequest(target, opts) {
      const targetEntry = entryOf(target);
      const mr = await openMergeRequest(state, targetEntry, opts.source ? entryOf(opts.source) : targetEntry, opts);
      return { iid: mr.iid, sha: mr.sha };
    },
    async updateMergeRequest(target, iid) {
      return { sha: await updateMergeRequest(findMergeRequestEntry(state, entryOf(target), iid)) };
    },
    closeMergeRequest(target, iid) {
      findMergeRequestEntry(state, entryOf(target), iid).state = "closed";
    },
    setMember(project, username, accessLevel) {
      const user = state.user(username);
      entryOf(project).members.set(user.id, accessLevel);
      return user;
    },
    user: (username) => state.user(username),
    addNote(target, iid, author, body) {
      const kept = withoutQuickActions(body);
      if (kept === "") return { id: 0, body: "" };
      const note = recordNote(state, findMergeRequestEntry(state, entryOf(target), iid), author, kept);
      return { id: note.id, body: kept };
    },
    statuses: state.statuses,
    notes: state.notes,
    awards: state.awards,
    deployTokens: state.deployTokens,
    clones: state.clones,
    requests: state.requests,
    get memberReads() {
      return state.memberReads;
    },
    fail: (pattern, status, times, opts) => addFault(state, pattern, status, times, opts),
    waitFor: (predicate, opts) => waitFor(state, predicate, opts),
    async close() {
      unregisterFake(state);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
