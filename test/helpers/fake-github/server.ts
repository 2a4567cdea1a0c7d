/**
 * A fake github.com + REST API on a free 127.0.0.1 port, reached exactly as a GitHub
 * Enterprise Server is: `GHE_HOST=127.0.0.1:PORT GHE_PROTOCOL=http`, REST under `/api/v3`,
 * git under `/OWNER/REPO.git`. The product cannot tell it from GitHub; tests read what it
 * recorded (check runs, statuses, comments, reactions, permission reads, tokens, clones) and
 * await states with `waitFor`; they say who may steer a repository with `setPermission` and
 * write a person's pull request comment with `addComment`. Setting
 * `faults` makes repository writes fail as GitHub's do (5xx, a 5xx after the write landed,
 * secondary rate limits): see fake-github/faults.ts; setting `rateLimit` gives each caller a
 * small primary budget (fake-github/rate-limit.ts).
 */
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { appRoutes } from "./app-routes.ts";
import { hasPermission, identify, tokenCovers, type AppKey } from "./auth.ts";
import { checkRunRoutes } from "./check-runs.ts";
import { collaboratorRoutes } from "./collaborators.ts";
import { commentRoutes, recordComment } from "./comments.ts";
import { getContents, getRaw } from "./contents.ts";
import type { FaultRule } from "./faults.ts";
import { pullFilesRoutes } from "./pull-files.ts";
import { rateLimiter, type RateLimitRule } from "./rate-limit.ts";
import { commitRoutes } from "./commit-routes.ts";
import { isGitRequest, serveGit } from "./git-http.ts";
import { deliverWebhook, hookDeliveryRoutes, type HookDeliveryRecord, type SentWebhook } from "./hook-deliveries.ts";
import { error, notFound, sendReply, type Reply } from "./http.ts";
import { personUser, repositoryObject, type Site } from "./objects.ts";
import { openPullRequest, pullRoutes, type FakePullRequest, type OpenPullRequestOptions } from "./pulls.ts";
import { defaultBranch } from "./repo-git.ts";
import type { Route } from "./route.ts";
import { compile, handleRest } from "./router.ts";
import { createState, type FakeState } from "./state.ts";
import { statusRoutes } from "./status-routes.ts";
import type { CollaboratorPermission, CommentRecord, FakeRepository, Permissions, RepoEntry } from "./types.ts";

export interface FakeGitHubOptions {
  app: AppKey & { slug?: string; name?: string; permissions?: Permissions; events?: string[] };
}

interface AddRepositoryOptions {
  owner: string;
  name: string;
  /** A real non-bare work tree (see createRepo); served live, so later commits show up. */
  dir: string;
  private?: boolean;
  installationId?: number;
  id?: number;
  ownerType?: "User" | "Organization";
}

export type FakeGitHub = Omit<FakeState, "repos" | "changed" | "rateLimiter"> & {
  /** Read and set by tests; the product cannot tell an injected fault from GitHub's own. */
  faults: FaultRule | undefined;
  /**
   * GitHub's primary rate limit, small: `limit` REST requests per caller per `windowMs`, 403 past
   * it (see fake-github/rate-limit.ts). Setting it opens fresh windows; undefined: no limit.
   */
  rateLimit: RateLimitRule | undefined;
  url: string;
  host: string;
  apiUrl: string;
  /** `GHE_HOST` / `GHE_PROTOCOL`, ready to spread into a child process's env. */
  env: { GHE_HOST: string; GHE_PROTOCOL: string };
  /** POST + PATCH requests per check run id: lets a test bound the writes a job costs. */
  readonly writes: Record<number, number>;
  addRepository(opts: AddRepositoryOptions): Promise<FakeRepository>;
  /**
   * Opens pull request `number` in `baseRepo` as GitHub does, from a fork (`headRepo`,
   * `headDir`) or a branch of its own: `refs/pull/N/head` is the head, `refs/pull/N/merge` a
   * real merge of it into the base branch (none on conflicts); `GET /pulls/{n}` answers with
   * both. Called again with the same number it moves the pull request to a new head, as a
   * push to it does (`synchronize`). See fake-github/pulls.ts.
   */
  openPullRequest(baseRepo: FakeRepository | string, opts: OpenPullRequestOptions): Promise<FakePullRequest>;
  repository(fullName: string): FakeRepository | undefined;
  /**
   * Gives `login` the role `permission` on the repository (what
   * `GET …/collaborators/{login}/permission` answers); undefined takes it away, and the
   * login is then answered 404 like a user GitHub does not know.
   */
  setPermission(repo: FakeRepository | string, login: string, permission: CollaboratorPermission | undefined): void;
  /**
   * A comment someone wrote on pull request (or issue) `issueNumber`, as if on GitHub: listed,
   * editable and reactable like the app's own. Its `comment.id` is what a test's
   * `issue_comment` webhook then names.
   */
  addComment(
    repo: FakeRepository | string,
    issueNumber: number,
    comment: { login: string; body: string; type?: "User" | "Bot" },
  ): CommentRecord;
  /**
   * Awaited before each REST answer is sent (once it is recorded): a suite breaks something
   * while the bot waits on GitHub, e.g. its database in the middle of a transaction.
   */
  /**
   * Sends a signed webhook to `url` as GitHub's Hookshot does and records the attempt in
   * `hookDeliveries` (status 0, "failed to connect to host", when nothing listens): what
   * `GET /app/hook/deliveries` lists and `POST …/{id}/attempts` sends again.
   */
  deliverWebhook(url: string, webhook: SentWebhook): Promise<HookDeliveryRecord>;
  beforeReply?: (request: { method: string; path: string; reply: Reply }) => Promise<void> | void;
  close(): Promise<void>;
};

/** What GitHub grants a CI app like Flotilla (see app.yml); tokens default to all of it. */
const DEFAULT_PERMISSIONS: Permissions = {
  checks: "write",
  contents: "read",
  metadata: "read",
  statuses: "write",
  pull_requests: "write",
  issues: "write",
  actions: "read",
};
const DEFAULT_EVENTS = ["check_run", "check_suite", "issue_comment", "pull_request", "push"];

export async function startFakeGitHub(opts: FakeGitHubOptions): Promise<FakeGitHub> {
  const state = createState();
  const key: AppKey = { appId: opts.app.appId, publicKey: opts.app.publicKey };
  const projectRoot = await mkdtemp(join(tmpdir(), "flotilla-fake-github-"));
  const routes: Route[] = [
    ...appRoutes(),
    ...checkRunRoutes(),
    ...statusRoutes(),
    ...commentRoutes(),
    ...collaboratorRoutes(),
    ...contentsRoutes(),
    ...pullFilesRoutes(),
    ...pullRoutes(),
    ...commitRoutes(),
    ...hookDeliveryRoutes(),
  ];
  const table = compile(routes);
  const findRepo = (owner: string, name: string) => state.repos.get(`${owner}/${name}`.toLowerCase());
  const entryOf = (repo: FakeRepository | string): RepoEntry => {
    const fullName = typeof repo === "string" ? repo : repo.full_name;
    const entry = state.repos.get(fullName.toLowerCase());
    if (!entry) throw new Error(`fake GitHub: no repository ${fullName}`);
    return entry;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((cause: unknown) => {
      state.unexpectedRequests.push({ method: req.method ?? "GET", path: req.url ?? "", status: 500 });
      state.changed();
      if (!res.headersSent) sendReply(res, error(500, `fake GitHub failed: ${String(cause)}`));
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const site: Site = {
    url,
    host,
    apiUrl: `${url}/api/v3`,
    app: {
      id: opts.app.appId,
      slug: opts.app.slug ?? "flotilla-ci",
      name: opts.app.name ?? "Flotilla CI",
      permissions: opts.app.permissions ?? DEFAULT_PERMISSIONS,
      events: opts.app.events ?? DEFAULT_EVENTS,
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestUrl = new URL(req.url ?? "/", url);
    const method = req.method ?? "GET";
    const path = requestUrl.pathname + requestUrl.search;
    const log = (status: number, caller?: string, expected = true) => {
      state.requests.push({ method, path, status, caller });
      if (!expected) state.unexpectedRequests.push({ method, path, status, caller });
      state.changed();
    };
    if (requestUrl.pathname === "/api/v3" || requestUrl.pathname.startsWith("/api/v3/")) {
      const apiPath = requestUrl.pathname.slice("/api/v3".length) || "/";
      const { reply, caller, expected } = await handleRest(req, requestUrl, apiPath, table, {
        site,
        state,
        key,
        routes,
        findRepo,
      });
      await fake.beforeReply?.({ method, path: apiPath, reply });
      sendReply(res, reply);
      log(reply.status, caller, expected);
      return;
    }
    if (isGitRequest(requestUrl.pathname)) {
      log(await serveGit(req, res, requestUrl, { state, key, projectRoot, findRepo }));
      return;
    }
    const raw = /^\/([^/]+)\/([^/]+)\/raw\/([^/]+)\/(.+)$/.exec(requestUrl.pathname);
    if (raw && method === "GET") {
      const repo = findRepo(decodeURIComponent(raw[1] ?? ""), decodeURIComponent(raw[2] ?? ""));
      const caller = identify(req, state, key);
      const allowed =
        repo &&
        (!repo.private ||
          (caller.kind === "installation" &&
            tokenCovers(caller.token, repo.installationId, repo.fullName) &&
            hasPermission(caller.token.permissions, "contents", "read")));
      const reply =
        repo && allowed
          ? await getRaw(repo, decodeURIComponent(raw[3] ?? ""), decodeURIComponent(raw[4] ?? ""))
          : notFound();
      sendReply(res, reply);
      log(reply.status);
      return;
    }
    const reply = notFound();
    sendReply(res, reply);
    log(reply.status, undefined, false);
  }

  let nextRepoId = 600_000_000;
  let rateRule: RateLimitRule | undefined;
  const ownerIds = new Map<string, number>();

  const fake: FakeGitHub = {
    url,
    host,
    apiUrl: site.apiUrl,
    env: { GHE_HOST: host, GHE_PROTOCOL: "http" },
    checkRuns: state.checkRuns,
    statuses: state.statuses,
    comments: state.comments,
    reactions: state.reactions,
    permissionReads: state.permissionReads,
    tokens: state.tokens,
    requests: state.requests,
    invalidRequests: state.invalidRequests,
    unexpectedRequests: state.unexpectedRequests,
    clones: state.clones,
    pulls: state.pulls,
    injectedFaults: state.injectedFaults,
    get faults() {
      return state.faults;
    },
    set faults(rule) {
      state.faults = rule;
    },
    get rateLimit() {
      return rateRule;
    },
    set rateLimit(rule) {
      rateRule = rule;
      state.rateLimiter = rule ? rateLimiter(rule) : undefined;
    },
    rateLimited: state.rateLimited,
    hookDeliveries: state.hookDeliveries,
    deliverWebhook: (url, webhook) => deliverWebhook(state, url, webhook),
    waitFor: state.waitFor,
    waitForCheckRun: state.waitForCheckRun,
    get writes() {
      return Object.fromEntries(state.checkRuns.map((r) => [r.id, r.history.length]));
    },
    async addRepository(input) {
      const gitDir = (await execa("git", ["rev-parse", "--absolute-git-dir"], { cwd: input.dir })).stdout.trim();
      if (!ownerIds.has(input.owner)) ownerIds.set(input.owner, 7_000_000 + ownerIds.size + 1);
      const rest = repositoryObject(site, {
        id: input.id ?? ++nextRepoId,
        owner: input.owner,
        ownerId: ownerIds.get(input.owner) ?? 0,
        ownerType: input.ownerType ?? "Organization",
        name: input.name,
        private: input.private ?? false,
        defaultBranch: await defaultBranch(gitDir),
      });
      const entry: RepoEntry = {
        owner: input.owner,
        name: input.name,
        fullName: rest.full_name,
        dir: input.dir,
        gitDir,
        private: rest.private,
        installationId: input.installationId ?? 1,
        rest,
        collaborators: new Map(),
      };
      await mkdir(join(projectRoot, input.owner), { recursive: true });
      await symlink(gitDir, join(projectRoot, input.owner, `${input.name}.git`));
      state.repos.set(rest.full_name.toLowerCase(), entry);
      return rest;
    },
    async openPullRequest(baseRepo, opts) {
      return openPullRequest(state, entryOf(baseRepo), opts);
    },
    setPermission(repo, login, permission) {
      const { collaborators } = entryOf(repo);
      if (permission === undefined) collaborators.delete(login.toLowerCase());
      else collaborators.set(login.toLowerCase(), { login, permission });
    },
    addComment(repo, issueNumber, comment) {
      const user = personUser(site, comment.login, comment.type ?? "User");
      return recordComment(site, state, entryOf(repo), { issueNumber, user, body: comment.body });
    },
    repository: (fullName) => state.repos.get(fullName.toLowerCase())?.rest,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(projectRoot, { recursive: true, force: true });
    },
  };
  return fake;
}

function contentsRoutes(): Route[] {
  return [
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/contents/{path}",
      auth: "repo",
      permissions: [["contents", "read"]],
      handle: (ctx) => getContents(ctx.site, ctx.repo, ctx.params.path ?? "", ctx.url, ctx.accept),
    },
  ];
}
