/**
 * `GET /repos/{owner}/{repo}/contents/{path}?ref=`: directory listings and files, read from
 * the real repository at `ref` (branch, tag or SHA; the default branch when absent).
 */
import { error, json, notFound, type Reply } from "./http.ts";
import type { Site } from "./objects.ts";
import { listTree, objectType, readBlob, resolveCommit, type TreeEntry } from "./repo-git.ts";
import type { RepoEntry } from "./types.ts";

/** GitHub returns file content only up to 1 MB; larger files come back with encoding "none". */
const MAX_INLINE_BYTES = 1024 * 1024;

export async function getContents(
  site: Site,
  repo: RepoEntry,
  rawPath: string,
  url: URL,
  accept: string,
): Promise<Reply> {
  const path = rawPath.replace(/^\/+|\/+$/g, "");
  const ref = url.searchParams.get("ref") || repo.rest.default_branch;
  const commit = await resolveCommit(repo.gitDir, ref);
  if (!commit)
    return error(
      404,
      `No commit found for the ref ${ref}`,
      "https://docs.github.com/rest/repos/contents#get-repository-content",
    );
  const spec = path ? `${commit}:${path}` : `${commit}^{tree}`;
  const type = await objectType(repo.gitDir, spec);
  if (type === "tree") {
    const entries = await listTree(repo.gitDir, spec);
    return json(
      200,
      entries.map((entry) => entryObject(site, repo, ref, path ? `${path}/${entry.name}` : entry.name, entry)),
    );
  }
  if (type !== "blob") return notFound();
  const blob = await readBlob(repo.gitDir, spec);
  if (/application\/vnd\.github(\.v3)?\.raw/.test(accept)) {
    return { status: 200, raw: blob.content, headers: { "content-type": "application/vnd.github.raw; charset=utf-8" } };
  }
  const entry: TreeEntry = {
    mode: "100644",
    type: "blob",
    sha: blob.sha,
    size: blob.content.length,
    name: path.split("/").pop() ?? path,
  };
  const inline = blob.content.length <= MAX_INLINE_BYTES;
  return json(200, {
    ...entryObject(site, repo, ref, path, entry),
    encoding: inline ? "base64" : "none",
    content: inline ? wrapBase64(blob.content) : "",
  });
}

/** GitHub wraps base64 content at 60 characters and ends it with a newline. */
function wrapBase64(content: Buffer): string {
  const encoded = content.toString("base64");
  return encoded ? `${encoded.match(/.{1,60}/g)?.join("\n")}\n` : "";
}

function entryObject(site: Site, repo: RepoEntry, ref: string, path: string, entry: TreeEntry) {
  const type =
    entry.type === "tree"
      ? "dir"
      : entry.type === "commit"
        ? "submodule"
        : entry.mode === "120000"
          ? "symlink"
          : "file";
  const encodedPath = path.split("/").map(encodeURIComponent).join("/");
  const self = `${site.apiUrl}/repos/${repo.fullName}/contents/${encodedPath}?ref=${encodeURIComponent(ref)}`;
  const gitUrl =
    entry.type === "commit"
      ? null
      : `${site.apiUrl}/repos/${repo.fullName}/git/${entry.type === "tree" ? "trees" : "blobs"}/${entry.sha}`;
  const html =
    entry.type === "commit"
      ? null
      : `${site.url}/${repo.fullName}/${entry.type === "tree" ? "tree" : "blob"}/${ref}/${encodedPath}`;
  return {
    type,
    size: entry.size,
    name: entry.name,
    path,
    sha: entry.sha,
    url: self,
    git_url: gitUrl,
    html_url: html,
    download_url: type === "file" ? `${site.url}/${repo.fullName}/raw/${ref}/${encodedPath}` : null,
    _links: { self, git: gitUrl, html },
  };
}

/** `GET /{owner}/{repo}/raw/{ref}/{path}`: the download_url above, bytes as stored. */
export async function getRaw(repo: RepoEntry, ref: string, path: string): Promise<Reply> {
  const commit = await resolveCommit(repo.gitDir, ref);
  if (!commit || (await objectType(repo.gitDir, `${commit}:${path}`)) !== "blob")
    return {
      status: 404,
      raw: Buffer.from("404: Not Found"),
      headers: { "content-type": "text/plain; charset=utf-8" },
    };
  const blob = await readBlob(repo.gitDir, `${commit}:${path}`);
  return { status: 200, raw: blob.content, headers: { "content-type": "text/plain; charset=utf-8" } };
}
