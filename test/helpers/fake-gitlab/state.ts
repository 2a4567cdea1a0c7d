/**
 * Everything the fake GitLab knows and records, in one place every route reads: projects,
 * users and memberships, merge requests, and the logs tests assert on (statuses, notes,
 * awards, deploy tokens, clones, requests). Ids come from one counter per kind, as GitLab's
 * database sequences do, so they are stable within a test.
 */
import type {
  AwardRecord,
  CloneRecord,
  DeployTokenRecord,
  FakeGitLabProject,
  FakeGitLabStatus,
  GitLabUserRef,
  NoteRecord,
  RequestRecord,
} from "./types.ts";

export interface ProjectEntry {
  project: FakeGitLabProject;
  gitDir: string;
  forkOf: ProjectEntry | undefined;
  /** user id → access level. */
  members: Map<number, number>;
  nextIid: number;
  createdAt: string;
}

export interface MergeRequestEntry {
  id: number;
  iid: number;
  target: ProjectEntry;
  source: ProjectEntry;
  sourceBranch: string;
  targetBranch: string;
  author: GitLabUserRef;
  title: string;
  state: "opened" | "closed" | "merged";
  sha: string;
  baseSha: string;
  startSha: string;
  createdAt: string;
  updatedAt: string;
}

interface FaultEntry {
  pattern: RegExp;
  status: number;
  left: number;
  retryAfterSeconds?: number;
}

export interface GitLabState {
  url: string;
  token: string;
  botUser: GitLabUserRef;
  projects: Map<number, ProjectEntry>;
  users: Map<string, GitLabUserRef>;
  mergeRequests: MergeRequestEntry[];
  statuses: FakeGitLabStatus[];
  notes: NoteRecord[];
  awards: (AwardRecord & { id: number; createdAt: string })[];
  deployTokens: DeployTokenRecord[];
  clones: CloneRecord[];
  requests: RequestRecord[];
  memberReads: number;
  faults: FaultEntry[];
  nextId(kind: string): number;
  findProject(idOrPath: string): ProjectEntry | undefined;
  user(username: string): GitLabUserRef;
  userById(id: number): GitLabUserRef | undefined;
  mergeRequest(project: ProjectEntry, iid: number): MergeRequestEntry | undefined;
}

/** Where each kind's ids start: distinct ranges make a wrong id in a test easy to spot. */
const FIRST_ID: Record<string, number> = {
  project: 100,
  user: 1,
  mergeRequest: 5000,
  note: 9000,
  status: 20000,
  award: 30000,
  deployToken: 40,
};

export function createState(url: string, token: string, botUsername: string): GitLabState {
  const counters = new Map<string, number>();
  const state: GitLabState = {
    url,
    token,
    botUser: { id: 0, username: botUsername },
    projects: new Map(),
    users: new Map(),
    mergeRequests: [],
    statuses: [],
    notes: [],
    awards: [],
    deployTokens: [],
    clones: [],
    requests: [],
    memberReads: 0,
    faults: [],
    nextId(kind) {
      const next = counters.get(kind) ?? FIRST_ID[kind] ?? 1;
      counters.set(kind, next + 1);
      return next;
    },
    findProject(idOrPath) {
      if (/^\d+$/.test(idOrPath)) return state.projects.get(Number(idOrPath));
      const wanted = idOrPath.toLowerCase();
      return [...state.projects.values()].find((p) => p.project.path.toLowerCase() === wanted);
    },
    user(username) {
      const key = username.toLowerCase();
      let user = state.users.get(key);
      if (!user) {
        user = { id: state.nextId("user"), username };
        state.users.set(key, user);
      }
      return user;
    },
    userById: (id) => [...state.users.values()].find((u) => u.id === id),
    mergeRequest: (project, iid) => state.mergeRequests.find((m) => m.target === project && m.iid === iid),
  };
  // The bot is the instance's first user, as a freshly installed GitLab's bot account would not
  // be, but a stable id keeps tests readable.
  state.botUser = state.user(botUsername);
  return state;
}

/** What a timed-out `waitFor` most wants to show: what was recorded and the last requests. */
function describeState(state: GitLabState): string {
  return [
    `statuses (${state.statuses.length}):`,
    ...state.statuses.slice(-10).map((s) => `  ${s.name}=${s.status} @${s.sha.slice(0, 7)} ref=${s.ref ?? "-"}`),
    `notes: ${state.notes.length}, awards: ${state.awards.length}, deploy tokens: ${state.deployTokens.length}, clones: ${state.clones.length}, member reads: ${state.memberReads}`,
    "last requests:",
    ...state.requests.slice(-15).map((r) => `  ${r.method} ${r.path} → ${r.status}`),
  ].join("\n");
}

/** Polls `predicate` every 20 ms until it yields something truthy. */
export function waitFor<T>(
  state: GitLabState,
  predicate: () => T | false | undefined | null,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  return new Promise<T>((resolve, reject) => {
    const tick = () => {
      let value: T | false | undefined | null;
      try {
        value = predicate();
      } catch (error) {
        reject(error);
        return;
      }
      if (value) {
        resolve(value);
        return;
      }
      if (Date.now() > deadline) {
        const what = options.what ? ` (${options.what})` : "";
        reject(new Error(`fake GitLab: condition${what} not met within ${timeoutMs}ms.\n${describeState(state)}`));
        return;
      }
      setTimeout(tick, 20);
    };
    tick();
  });
}
