/**
 * Secret names and scopes as GitHub has them: letters, digits and `_`, not starting with a
 * digit or `GITHUB_`, case-insensitive (kept upper-case). A scope is `owner/repo` for a
 * repository secret, `owner` for an organisation's, `owner/repo:environment:<name>` for one of
 * the repository's environments.
 */
import { fail, ok, type Result } from "../../protocol/result.ts";
import { isHost } from "../runs/repo-ref.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

/** The stored (upper-case) name, or why `name` is not one GitHub would accept. */
export function secretName(name: string): Result<string> {
  if (!NAME.test(name)) {
    return fail(`secret name "${name}" may only hold letters, digits and '_', and must not start with a digit`);
  }
  const upper = name.toUpperCase();
  if (upper.startsWith("GITHUB_")) return fail(`secret name "${name}" must not start with GITHUB_`);
  if (name.length > 200) return fail("a secret name is at most 200 characters");
  return ok(upper);
}

/**
 * `owner` or `owner/repo`, lower-cased as GitHub compares them, or why it is neither. On another
 * forge a scope is host-qualified, `gitlab.example.com/group[/sub…][/project]`: a group's secrets
 * reach every project beneath it (see scopesOf).
 */
export function secretScope(scope: string): Result<{ scope: string; kind: "organisation" | "repository" }> {
  if (isHost(scope.split("/")[0] ?? "")) return hostedScope(scope);
  const [owner = "", repo, extra] = scope.split("/");
  if (
    extra !== undefined ||
    !OWNER.test(owner) ||
    (repo !== undefined && (!REPO.test(repo) || repo === "." || repo === ".."))
  ) {
    return fail(`"${scope}" is neither OWNER nor OWNER/REPO`);
  }
  return ok(
    repo === undefined
      ? { scope: owner.toLowerCase(), kind: "organisation" }
      : { scope: `${owner}/${repo}`.toLowerCase(), kind: "repository" },
  );
}

/**
 * Where a repository's secrets come from, the closest first: the job's environment's, then the
 * repository's own, then its organisation's (each wins over those after it).
 */
export function scopesOf(repository: string, environment?: string): string[] {
  const full = repository.toLowerCase();
  const segments = full.split("/");
  // A host-qualified name's groups nest (GitLab): each enclosing group is a scope; the host alone is none.
  const first = isHost(segments[0] ?? "") ? 2 : 1;
  const scopes = [...(environment ? [environmentScope(full, environment)] : []), full];
  for (let n = segments.length - 1; n >= first; n--) scopes.push(segments.slice(0, n).join("/"));
  return scopes;
}

const PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** `host/group[/sub…][/project]`: a group when it has one path segment, else a project or subgroup. */
function hostedScope(scope: string): Result<{ scope: string; kind: "organisation" | "repository" }> {
  const [host = "", ...path] = scope.split("/");
  if (path.length === 0 || !path.every((segment) => PATH_SEGMENT.test(segment) && !segment.endsWith(".git")))
    return fail(`"${scope}" is neither HOST/GROUP nor HOST/GROUP/PROJECT`);
  return ok({
    scope: `${host}/${path.join("/")}`.toLowerCase(),
    kind: path.length === 1 ? "organisation" : "repository",
  });
}

/** GitHub's limit on an environment's name; `:` and `/` would blur the scope it is stored under. */
const ENVIRONMENT = /^[^/:\0]{1,255}$/;

/** The stored scope of a repository's environment, or why `environment` cannot name one. */
export function environmentScoped(repoScope: string, environment: string): Result<string> {
  const name = environment.trim();
  if (!ENVIRONMENT.test(name))
    return fail(`environment "${environment}" must be 1 to 255 characters, without '/' or ':'`);
  return ok(environmentScope(repoScope, name));
}

/** Environment names are case-insensitive on GitHub: `Production` is `production`. */
function environmentScope(repoScope: string, environment: string): string {
  return `${repoScope.toLowerCase()}:environment:${environment.trim().toLowerCase()}`;
}
