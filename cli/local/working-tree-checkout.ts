/**
 * A SourceCheckout for `flotilla run`: the job sees the working tree as it is now, with
 * uncommitted and untracked (not ignored) files, as act does — the point of running locally
 * is trying a change before committing it. The workspace is also a git repository at the
 * same commit (objects borrowed through `alternates`, so nothing is copied twice), so
 * `git status`, `git diff` and `git rev-parse HEAD` in a step tell the truth.
 */
import { copyFile, mkdir, readlink, symlink, writeFile, lstat, cp } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { CheckoutError, type SourceCheckout } from "../../runner/local-job.ts";

const PARALLEL_COPIES = 32;

export function workingTreeCheckout(): SourceCheckout {
  return {
    async checkout(request, options) {
      const source = request.cloneUrl;
      const run = async (args: string[], cwd: string): Promise<string> => {
        const result = await execa("git", args, { cwd, reject: false, stdin: "ignore", cancelSignal: options.signal });
        if (result.isCanceled) throw new CheckoutError(`git ${args[0]} was cancelled`);
        if (result.exitCode !== 0) throw new CheckoutError(`git ${args.join(" ")} failed: ${result.stderr.trim()}`);
        return result.stdout;
      };
      await mkdir(request.dir, { recursive: true });
      const objects = (await run(["rev-parse", "--path-format=absolute", "--git-path", "objects"], source)).trim();
      await run(["-c", "init.defaultBranch=main", "init", "-q", "--template="], request.dir);
      await mkdir(join(request.dir, ".git/objects/info"), { recursive: true });
      await writeFile(join(request.dir, ".git/objects/info/alternates"), `${objects}\n`);
      await run(["update-ref", "--no-deref", "HEAD", request.sha], request.dir);
      await run(["read-tree", "HEAD"], request.dir);
      await run(["remote", "add", "origin", source], request.dir);

      // Tracked files plus untracked ones that are not ignored: what `git add -A` would take.
      const listed = await run(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], source);
      const files = [...new Set(listed.split("\0").filter((file) => file !== ""))];
      let copied = 0;
      for (let start = 0; start < files.length; start += PARALLEL_COPIES) {
        if (options.signal?.aborted) throw new CheckoutError("copying the working tree was cancelled");
        const batch = files.slice(start, start + PARALLEL_COPIES);
        const results = await Promise.all(batch.map((file) => copyEntry(join(source, file), join(request.dir, file))));
        copied += results.filter(Boolean).length;
      }
      const changes = (await run(["status", "--porcelain"], request.dir))
        .split("\n")
        .filter((line) => line !== "").length;
      options.jobLog.line(
        `copied ${copied} files from ${source} at ${request.sha.slice(0, 12)}${changes > 0 ? ` with ${changes} uncommitted change${changes === 1 ? "" : "s"}` : ""}`,
      );
    },
  };
}

/** Copies one listed path; false when it is gone (a tracked file deleted in the work tree). */
async function copyEntry(from: string, to: string): Promise<boolean> {
  const stats = await lstat(from).catch(() => undefined);
  if (!stats) return false;
  await mkdir(dirname(to), { recursive: true });
  if (stats.isSymbolicLink()) await symlink(await readlink(from), to);
  // A submodule is listed as one path: its directory.
  else if (stats.isDirectory()) await cp(from, to, { recursive: true, verbatimSymlinks: true });
  // copyFile keeps the mode, so executable scripts stay executable.
  else await copyFile(from, to);
  return true;
}
