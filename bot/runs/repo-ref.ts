/**
 * A repository as runs, workflows and forges name it: `owner/name`.
 */
export interface RepoRef {
  owner: string;
  name: string;
  fullName: string;
}

export function repoRef(fullName: string): RepoRef {
  const [owner = "", name = ""] = fullName.split("/");
  return { owner, name, fullName };
}
