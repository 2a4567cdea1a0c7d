/**
 * `GET /repos/{owner}/{repo}/pulls/{pull_number}/files`: the files a pull request changes,
 * in GitHub's documented shape (https://docs.github.com/rest/pulls/pulls#list-pull-requests-files),
 * computed with the real git: `git diff` from the merge base of the repository's default
 * branch (the PR's base) to `refs/pull/N/head` (see `openPullRequest`). Paginated with
 * `per_page` (default 30, at most 100) and `page`, as GitHub does, up to its 3000 files.
 */
import { execa } from "execa";
import { error, json, type Reply } from "./http.ts";
import type { Site } from "./objects.ts";
import { resolveCommit } from "./repo-git.ts";
import type { Route } from "./route.ts";
import type { RepoEntry } from "./types.ts";

const STATUS: Record<string, string> = {
  A: "added",
  D: "removed",
  M: "modified",
  R: "renamed",
  C: "copied",
  T: "changed",
};
const MAX_FILES = 3000;

export function pullFilesRoutes(): Route[] {
  return [
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/pulls/{pull_number}/files",
      auth: "repo",
      permissions: [
        ["pull_requests", "read"],
        ["contents", "read"],
      ],
      handle: (ctx) => listPullFiles(ctx.site, ctx.repo, ctx.params.pull_number ?? "", ctx.url),
    },
  ];
}

async function listPullFiles(site: Site, repo: RepoEntry, number: string, url: URL): Promise<Reply> {
  const head = /^\d+$/.test(number) ? await resolveCommit(repo.gitDir, `refs/pull/${number}/head`) : undefined;
  const base = await resolveCommit(repo.gitDir, repo.rest.default_branch);
  if (!head || !base)
    return error(404, "Not Found", "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files");
  const files = (await changedFiles(repo.gitDir, base, head)).slice(0, MAX_FILES);
  const perPage = Math.min(Math.max(Number(url.searchParams.get("per_page")) || 30, 1), 100);
  const page = Math.max(Number(url.searchParams.get("page")) || 1, 1);
  const body = files.slice((page - 1) * perPage, page * perPage).map((file) => fileObject(site, repo, head, file));
  const last = Math.max(Math.ceil(files.length / perPage), 1);
  const link = (p: number, rel: string) =>
    `<${site.apiUrl}/repos/${repo.fullName}/pulls/${number}/files?per_page=${perPage}&page=${p}>; rel="${rel}"`;
  const links = [
    ...(page < last ? [link(page + 1, "next"), link(last, "last")] : []),
    ...(page > 1 ? [link(1, "first"), link(page - 1, "prev")] : []),
  ];
  return json(200, body, links.length > 0 ? { link: links.join(", ") } : undefined);
}

interface ChangedFile {
  status: string;
  filename: string;
  previous?: string;
  sha: string;
  additions: number;
  deletions: number;
}

/** `--raw` is `--name-status` plus the blob ids GitHub reports as `sha`. */
async function changedFiles(gitDir: string, base: string, head: string): Promise<ChangedFile[]> {
  const git = (args: string[]) =>
    execa("git", ["--git-dir", gitDir, "diff", "-z", "-M", "--no-abbrev", ...args, `${base}...${head}`]).then((r) =>
      r.stdout.split("\0"),
    );
  const [raw, numstat] = await Promise.all([git(["--raw"]), git(["--numstat"])]);
  const counts = new Map<string, [number, number]>();
  for (let i = 0; i < numstat.length - 1; ) {
    const [added = "0", deleted = "0", path = ""] = numstat[i]!.split("\t");
    // A rename has an empty path here, then the old and new paths as their own fields.
    const name = path !== "" ? path : numstat[i + 2]!;
    counts.set(name, [Number(added) || 0, Number(deleted) || 0]);
    i += path !== "" ? 1 : 3;
  }
  const files: ChangedFile[] = [];
  for (let i = 0; i < raw.length - 1; ) {
    const [, , , sha = "", code = "M"] = raw[i]!.slice(1).split(" ");
    const letter = code[0] ?? "M";
    const renamed = letter === "R" || letter === "C";
    const filename = renamed ? raw[i + 2]! : raw[i + 1]!;
    const [additions, deletions] = counts.get(filename) ?? [0, 0];
    files.push({
      status: STATUS[letter] ?? "modified",
      filename,
      ...(renamed ? { previous: raw[i + 1]! } : {}),
      sha: letter === "D" ? "0".repeat(40) : sha,
      additions,
      deletions,
    });
    i += renamed ? 3 : 2;
  }
  return files;
}

function fileObject(site: Site, repo: RepoEntry, head: string, file: ChangedFile) {
  const path = file.filename.split("/").map(encodeURIComponent).join("/");
  return {
    sha: file.sha,
    filename: file.filename,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.additions + file.deletions,
    blob_url: `${site.url}/${repo.fullName}/blob/${head}/${path}`,
    raw_url: `${site.url}/${repo.fullName}/raw/${head}/${path}`,
    contents_url: `${site.apiUrl}/repos/${repo.fullName}/contents/${path}?ref=${head}`,
    ...(file.previous !== undefined ? { previous_filename: file.previous } : {}),
  };
}
