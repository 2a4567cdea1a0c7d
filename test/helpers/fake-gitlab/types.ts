/**
 * The fake GitLab's public shapes: what tests (and the engineers writing them) code against.
 * Kept apart from the server so a suite can import the types without pulling in the routes.
 */
type AccessLevel = 10 | 20 | 30 | 40 | 50 | number;

export interface FakeGitLabProject {
  id: number;
  /** "acme/widgets", or nested "group/sub/proj". */
  path: string;
  /** The project's work tree (a real git repository). */
  dir: string;
  visibility: "private" | "public";
  defaultBranch: string;
}

export type StatusState = "pending" | "running" | "success" | "failed" | "canceled" | "skipped";

export interface FakeGitLabStatus {
  id: number;
  projectId: number;
  sha: string;
  name: string;
  status: StatusState;
  targetUrl: string | null;
  description: string | null;
  ref: string | null;
  at: number;
}

export interface GitLabUserRef {
  id: number;
  username: string;
}

export interface NoteRecord {
  id: number;
  projectId: number;
  iid: number;
  author: string;
  body: string;
  system: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface AwardRecord {
  projectId: number;
  iid: number;
  noteId: number;
  name: string;
  user: string;
}

export interface DeployTokenRecord {
  id: number;
  projectId: number;
  name: string;
  username: string;
  token: string;
  scopes: string[];
  expiresAt: string | null;
  revoked: boolean;
}

export interface CloneRecord {
  project: string;
  /** The HTTP Basic user name, or null for an anonymous clone. */
  username: string | null;
  ok: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
}

export interface FakeGitLab {
  /** `GITLAB_URL`, e.g. http://127.0.0.1:PORT. */
  url: string;
  /** The bot's API token (PRIVATE-TOKEN or Authorization: Bearer); anything else is 401. */
  token: string;
  botUser: GitLabUserRef;
  /** Creates a real git repo (createRepo, or a clone of `forkOf`) served at `${url}/${path}.git`. */
  createProject(
    path: string,
    files: Record<string, string>,
    options?: { visibility?: "private" | "public"; defaultBranch?: string; forkOf?: FakeGitLabProject },
  ): Promise<{ project: FakeGitLabProject; sha: string }>;
  /**
   * Commits files (null deletes) on a branch (default: the default branch), creating it from the
   * default branch if needed. `before` is the branch's previous tip, or 40 zeros when this
   * commit created the branch (what GitLab's push hook says then).
   */
  commit(
    project: FakeGitLabProject,
    files: Record<string, string | null>,
    options?: { branch?: string; message?: string },
  ): Promise<{ before: string; sha: string }>;
  /** Opens an MR and writes refs/merge-requests/<iid>/head into the target's repository. */
  openMergeRequest(
    target: FakeGitLabProject,
    options: {
      source?: FakeGitLabProject;
      sourceBranch: string;
      targetBranch?: string;
      author: string;
      title?: string;
    },
  ): Promise<{ iid: number; sha: string }>;
  /** Moves an open MR's head to its source branch's tip (as a push to it does). */
  updateMergeRequest(target: FakeGitLabProject, iid: number): Promise<{ sha: string }>;
  closeMergeRequest(target: FakeGitLabProject, iid: number): void;
  /** 10 Guest, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner. */
  setMember(project: FakeGitLabProject, username: string, accessLevel: AccessLevel): GitLabUserRef;
  user(username: string): GitLabUserRef;
  /**
   * A note someone wrote on the MR in the web UI: its GitLab quick-action lines taken out, as
   * GitLab does (quick-actions.ts); returns its id and body, id 0 when nothing was left to post.
   */
  addNote(target: FakeGitLabProject, iid: number, author: string, body: string): { id: number; body: string };
  statuses: FakeGitLabStatus[];
  notes: NoteRecord[];
  awards: AwardRecord[];
  deployTokens: DeployTokenRecord[];
  clones: CloneRecord[];
  requests: RequestRecord[];
  readonly memberReads: number;
  /**
   * The next `times` requests whose "METHOD /raw/pathname" matches `pattern` are answered with
   * `status` (429 with Retry-After when `retryAfterSeconds` is given; 502 with nginx's HTML).
   */
  fail(pattern: RegExp, status: number, times: number, options?: { retryAfterSeconds?: number }): void;
  waitFor<T>(
    predicate: () => T | false | undefined | null,
    options?: { timeoutMs?: number; what?: string },
  ): Promise<T>;
  close(): Promise<void>;
}

export interface StartFakeGitLabOptions {
  token?: string;
  botUsername?: string;
}
