/**
 * How Flotilla names a plain git repository it follows: host-qualified, as runs/repo-ref.ts
 * expects of every forge but GitHub, so namespaces follow it with the usual globs.
 *
 * - `https://git.example.com/team/app.git`, `git://…`, `ssh://git@…/team/app` → `git.example.com/team/app`
 *   (a port stays: `git.example.com:8443/team/app`; user and password never do)
 * - scp-like `git@git.example.com:team/app.git` → `git.example.com/team/app`
 * - a local path or `file://` URL → `git.local/<absolute path without its leading slash>`
 *   (`/srv/git/app.git` → `git.local/srv/git/app`)
 *
 * A trailing `.git` and slashes go; characters outside letters, digits, `.`, `_`, `-`, `:` and
 * `/` become `_` (names are keys of runs, secrets and caches, and must not hold spaces).
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The first segment of local repositories' names. */
const LOCAL_HOST = "git.local";

/** The URL as given, a relative local path made absolute (against `cwd`). */
export function normalizeGitUrl(url: string, cwd = process.cwd()): string {
  const trimmed = url.trim();
  if (hasScheme(trimmed) || isScpLike(trimmed)) return trimmed;
  return isAbsolute(trimmed) ? trimmed : resolve(cwd, trimmed);
}

export function gitRepoName(url: string): string {
  const { host, path } = hostAndPath(url);
  const clean = path
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .split("/")
    .filter(Boolean)
    .map((segment) => segment.replace(/[^A-Za-z0-9._:-]/g, "_"))
    .join("/");
  return `${host}/${clean || "repository"}`;
}

function hostAndPath(url: string): { host: string; path: string } {
  if (url.startsWith("file://")) return { host: LOCAL_HOST, path: fileURLToPath(url) };
  if (hasScheme(url)) {
    const parsed = new URL(url);
    return { host: parsed.host.toLowerCase(), path: decodeURIComponent(parsed.pathname) };
  }
  const scp = isScpLike(url);
  if (scp) return { host: scp.host.toLowerCase(), path: scp.path };
  return { host: LOCAL_HOST, path: resolve(url) };
}

function hasScheme(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

/** `[user@]host:path`, as git reads it: no slash before the colon, and not a Windows drive. */
function isScpLike(url: string): { host: string; path: string } | undefined {
  const match = /^(?:[^@/]+@)?([^:/]{2,}):(?!\/\/)(.+)$/.exec(url);
  return match ? { host: match[1]!, path: match[2]! } : undefined;
}
