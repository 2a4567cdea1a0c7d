/**
 * `GET /repos/{owner}/{repo}/commits/{ref}`: a branch, tag or SHA to its commit, as GitHub
 * answers it (the fields Flotilla and most clients read), from the real git repository.
 */
import { execa } from "execa";
import { error, json, type Reply } from "./http.ts";
import { resolveCommit } from "./repo-git.ts";
import type { RepoContext, Route } from "./route.ts";

export function commitRoutes(): Route[] {
  return [
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/commits/{ref}",
      auth: "repo",
      permissions: [["contents", "read"]],
      handle: getCommit,
    },
  ];
}

async function getCommit(ctx: RepoContext): Promise<Reply> {
  const ref = decodeURIComponent(ctx.params.ref ?? "");
  const sha = await resolveCommit(ctx.repo.gitDir, ref);
  if (!sha)
    return error(422, `No commit found for SHA: ${ref}`, "https://docs.github.com/rest/commits/commits#get-a-commit");
  const { stdout } = await execa("git", [
    "--git-dir",
    ctx.repo.gitDir,
    "show",
    "-s",
    "--format=%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%T%x00%P%x00%B",
    sha,
  ]);
  const [an = "", ae = "", ad = "", cn = "", ce = "", cd = "", tree = "", parents = "", message = ""] =
    stdout.split("\0");
  const api = `${ctx.site.apiUrl}/repos/${ctx.repo.fullName}`;
  return json(200, {
    sha,
    node_id: Buffer.from(`06:Commit${sha}`).toString("base64"),
    url: `${api}/commits/${sha}`,
    html_url: `${ctx.site.url}/${ctx.repo.fullName}/commit/${sha}`,
    comments_url: `${api}/commits/${sha}/comments`,
    commit: {
      url: `${api}/git/commits/${sha}`,
      author: { name: an, email: ae, date: ad },
      committer: { name: cn, email: ce, date: cd },
      message: message.trimEnd(),
      tree: { sha: tree, url: `${api}/git/trees/${tree}` },
      comment_count: 0,
    },
    author: null,
    committer: null,
    parents: parents
      .split(" ")
      .filter(Boolean)
      .map((p) => ({
        sha: p,
        url: `${api}/commits/${p}`,
        html_url: `${ctx.site.url}/${ctx.repo.fullName}/commit/${p}`,
      })),
    files: [],
    stats: { total: 0, additions: 0, deletions: 0 },
  });
}
