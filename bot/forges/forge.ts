/**
 * What the planner and reporter need from a forge (GitHub, GitLab), for one installation or
 * project. Implementations throttle and retry their own writes; a call that throws did not
 * take effect after those retries, and the caller leaves its bus message un-acked so the
 * work is tried again. Calls may run concurrently.
 */
import type { RepoRef } from "../runs/repo-ref.ts";

/** A user's permission on a repository, as GitHub names the levels. */
export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export interface Annotation {
  path: string;
  startLine: number;
  endLine: number;
  startColumn?: number;
  endColumn?: number;
  level: "failure" | "warning" | "notice";
  message: string;
  title?: string;
}

export interface CheckOutput {
  title: string;
  summary: string;
  text?: string;
  annotations?: Annotation[];
}

type CheckConclusion = "success" | "failure" | "cancelled" | "timed_out" | "skipped" | "neutral" | "action_required";

export interface NewCheck {
  name: string;
  headSha: string;
  detailsUrl: string;
  externalId: string;
  /** `queued` when planned; `completed` for a check that is born finished (a broken workflow file). */
  status: "queued" | "completed";
  conclusion?: CheckConclusion;
  output?: CheckOutput;
  /**
   * The namespaces whose result it is, for a check not of one job (a broken workflow file's is
   * every following namespace's): a forge that files results per namespace, as git notes, reads it.
   */
  namespaces?: string[];
}

export type CheckKey = Pick<NewCheck, "name" | "headSha" | "externalId">;

/**
 * A check the forge made: its id, what it was made as, and the page it links to now (a forge
 * without check runs re-posts a status by name, with its link: a re-run's is another page).
 */
export type CheckRef = CheckKey & {
  id: number;
  detailsUrl?: string;
  /** The namespace whose job it is (a forge that files results per namespace, as git notes, reads it). */
  namespace?: string;
};

/** A button on a check run (GitHub's `actions`): pressing it sends `requested_action` with `identifier`. */
interface CheckAction {
  label: string;
  description: string;
  identifier: string;
}

export interface CheckUpdate {
  status?: "in_progress" | "completed";
  /** Replaces the check run's buttons; `[]` removes them. */
  actions?: CheckAction[];
  startedAt?: string;
  completedAt?: string;
  conclusion?: CheckConclusion;
  output?: CheckOutput;
  /** The job's log tail as the runner sent it, when it completed (`output.text` holds it formatted). */
  logTail?: string;
}

interface CommitStatus {
  state: "pending" | "success" | "failure" | "error";
  context: string;
  description: string;
  targetUrl: string;
  /** The namespace whose run status it is. */
  namespace?: string;
}

export interface WorkflowFile {
  path: string;
  content: string;
}

/** A pull request as the forge sees it now. */
interface PullRequestState {
  /** Its head now: a push since the event moved it on. */
  headSha: string;
  open: boolean;
  /** Whether head and base merge cleanly; null while the forge is still working it out. */
  mergeable: boolean | null;
  /** The test merge of the head into the base (`refs/pull/<n>/merge`), when `mergeable`. */
  mergeCommitSha: string | null;
}

/** The levels that may steer and what the forge calls a level ("permission", GitLab "role"). */
export interface Steerers {
  levels: string[];
  noun: string;
}

export interface Forge {
  /** Who may steer CI, in the forge's words, for `/help` and refusals: GitHub's write, maintain or admin permission. */
  readonly steerers: Steerers;
  /** A user's permission in the forge's words, for a refusal ("read permission"; GitLab: "the Reporter role"). */
  describePermission(permission: Permission): string;
  /**
   * The paths a pull request changes (renames count under both names), for `paths:` filters;
   * undefined when the forge cannot list them all (then filters match, as GitHub's do).
   */
  changedFiles(repo: RepoRef, pullNumber: number): Promise<string[] | undefined>;
  /**
   * The pull request now, with the test merge of its head into its base; undefined when there
   * is no such pull request. Asking starts the forge's merge when it has not made it yet
   * (GitHub's does): `mergeable` null then, so ask again a little later.
   */
  pullRequest(repo: RepoRef, pullNumber: number): Promise<PullRequestState | undefined>;
  /** The commit a branch, tag or SHA names; undefined when there is none. */
  commitSha(repo: RepoRef, ref: string): Promise<string | undefined>;
  /** The workflow files in `dir` at `sha`; an absent directory is an empty list. */
  listWorkflowFiles(repo: RepoRef, sha: string, dir: string): Promise<WorkflowFile[]>;
  /**
   * One file of `repo` at `ref` (a branch, tag or SHA), as text; undefined when there is no
   * such file or this installation cannot read the repository (the forge says 404 to both).
   */
  readFile(repo: RepoRef, path: string, ref: string): Promise<string | undefined>;
  /**
   * Creates a check run. A create whose answer was lost (a server error after the write may
   * have landed) is not simply sent again: the forge looks for a check run with the same
   * `externalId` first, so one call makes at most one check run.
   */
  createCheck(repo: RepoRef, check: NewCheck): Promise<{ id: number }>;
  /**
   * The check run named `name` on `headSha` whose external id is `externalId`, made by an
   * earlier createCheck whose id was never recorded; undefined when there is none.
   */
  findCheck(repo: RepoRef, check: CheckKey): Promise<{ id: number } | undefined>;
  /**
   * Updates a check run. An intermediate update (`in_progress`) may be dropped when the forge's
   * request budget is short — the conclusion that follows carries the whole state; an update
   * with a conclusion is never dropped (it waits for the budget instead).
   */
  updateCheck(repo: RepoRef, check: CheckRef, update: CheckUpdate): Promise<void>;
  setCommitStatus(repo: RepoRef, sha: string, status: CommitStatus): Promise<void>;
  /**
   * A short-lived token that can only read `repo`'s contents, for a runner's clone; undefined
   * when the forge cannot mint one (then only public repositories can be cloned).
   */
  cloneToken(repo: RepoRef): Promise<string | undefined>;
  /** The user's permission on `repo` (`none` for a user who is not a collaborator). */
  permission(repo: RepoRef, login: string): Promise<Permission>;
  /** Adds a reaction to a comment on a pull request (GitLab names a note by its merge request too). */
  react(repo: RepoRef, pullNumber: number, commentId: number, reaction: "eyes" | "+1" | "confused"): Promise<void>;
  /** Posts a comment on a pull request. */
  comment(repo: RepoRef, pullNumber: number, body: string): Promise<{ id: number }>;
  editComment(repo: RepoRef, pullNumber: number, commentId: number, body: string): Promise<void>;
  /** The bot's own comment on the pull request whose body contains `marker`; undefined when there is none. */
  findComment(repo: RepoRef, pullNumber: number, marker: string): Promise<{ id: number; body: string } | undefined>;
}
