/**
 * A repository as runs, workflows and forges name it: `owner/name` on GitHub, and on any other
 * forge host-qualified, `gitlab.example.com/group/sub/project`, so that two forges' repositories
 * of the same path never share runs, namespaces, secrets or caches. The owner is everything
 * before the last `/` (GitLab groups nest).
 */
export interface RepoRef {
  owner: string;
  name: string;
  fullName: string;
}

export function repoRef(fullName: string): RepoRef {
  const cut = fullName.lastIndexOf("/");
  return { owner: cut < 0 ? "" : fullName.slice(0, cut), name: fullName.slice(cut + 1), fullName };
}

/** The repository as its own forge names it (`github.repository`): the name without its host. */
export function repoPath(fullName: string): string {
  const [first = "", ...rest] = fullName.split("/");
  return rest.length > 1 && isHost(first) ? rest.join("/") : fullName;
}

/** A first segment with a dot or a port is a host: GitHub's owners have neither. */
export function isHost(segment: string): boolean {
  return /[.:]/.test(segment);
}
