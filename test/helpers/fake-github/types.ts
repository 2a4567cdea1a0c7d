/**
 * Shapes shared by the fake GitHub's modules: what it serves (GitHub's REST shapes, loosely
 * typed because the product decides which fields it reads) and what it records for tests.
 */

export type JsonObject = Record<string, unknown>;
export type PermissionLevel = "read" | "write" | "admin";
/** A person's role on a repository, as GitHub's `role_name` names the base roles. */
export type CollaboratorPermission = "admin" | "maintain" | "write" | "triage" | "read" | "none";
export type Permissions = Record<string, PermissionLevel>;

/** A repository as GitHub's REST API returns it (`full-repository`). */
export interface FakeRepository extends JsonObject {
  id: number;
  node_id: string;
  name: string;
  full_name: string;
  private: boolean;
  owner: JsonObject & { login: string; id: number; type: string };
  html_url: string;
  clone_url: string;
  git_url: string;
  ssh_url: string;
  url: string;
  default_branch: string;
}

/** The fake's own bookkeeping for one repository. */
export interface RepoEntry {
  owner: string;
  name: string;
  fullName: string;
  /** The work tree the test created; its `.git` is what the fake serves. */
  dir: string;
  gitDir: string;
  private: boolean;
  installationId: number;
  rest: FakeRepository;
  /** Lower-cased login → who the test made a collaborator (`setPermission`); anyone else is answered 404. */
  collaborators: Map<string, { login: string; permission: CollaboratorPermission }>;
}

export interface TokenRecord {
  token: string;
  installationId: number;
  /** Full names the token may reach, or null when it covers every repository of the installation. */
  repositories: string[] | null;
  permissions: Permissions;
  /** What the product asked for in the request body (undefined: no body). */
  requested: JsonObject | undefined;
  createdAt: string;
  expiresAt: string;
}

export interface CheckRunRecord {
  id: number;
  repo: string;
  /** The check run exactly as GET would return it now. */
  run: JsonObject & { id: number; name: string; head_sha: string; status: string; conclusion: string | null };
  /** Every create/update request body, in order. */
  history: { method: "POST" | "PATCH"; body: JsonObject; at: string }[];
  /** All annotations sent so far, across requests (GitHub keeps them cumulatively). */
  annotations: JsonObject[];
  /** The buttons the check run shows now (`actions`: each create/update that sends them replaces them). */
  actions: JsonObject[];
}

export interface StatusRecord {
  repo: string;
  sha: string;
  request: JsonObject;
  status: JsonObject & { state: string; context: string };
}

export interface CommentRecord {
  repo: string;
  issueNumber: number;
  /** The comment exactly as GET would return it now. */
  comment: JsonObject & { id: number; body: string; user: JsonObject & { login: string; type: string } };
  /** Every body it has had, oldest first: its creation (`POST`, or a test's `addComment`) and each edit. */
  history: { method: "POST" | "PATCH"; body: string; by: string; at: string }[];
}

export interface ReactionRecord {
  repo: string;
  commentId: number;
  /** `+1`, `eyes`, `confused`, … */
  content: string;
  by: string;
  /** 201 for a new reaction; 200 when that user had already reacted so (GitHub makes no second one). */
  status: 200 | 201;
  at: string;
}

export interface PermissionReadRecord {
  repo: string;
  login: string;
  /** 200, or 404 for a login the test did not `setPermission` on that repository. */
  status: number;
  /** The `role_name` answered. */
  permission?: CollaboratorPermission;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  /** `installation:<id>`, `app`, `anonymous` or `bad-credentials`. */
  caller?: string;
}

export interface InvalidRequestRecord {
  method: string;
  path: string;
  body: unknown;
  message: string;
}

export interface CloneRecord {
  repo: string;
  /** The installation token used as the HTTP Basic password, or null for anonymous. */
  token: string | null;
  service: string;
  status: number;
}
