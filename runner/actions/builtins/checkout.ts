/**
 * `actions/checkout`: the runner has fetched the job's commit (depth 1) into the workspace
 * before the first step, so the action's work is what its options ask beyond that — another
 * place (`path`), more history, tags, another ref, submodules. Options Flotilla cannot
 * honour yet are named, never ignored.
 */
import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { CheckoutError, gitCheckout, gitInWorkspace } from "../../source/checkout.ts";
import { useMirrorHistory } from "../../source/git-mirror.ts";
import type { StepRunContext } from "../../step/run-process.ts";
import { runGit } from "../../source/git.ts";
import { failed, succeeded } from "./results.ts";

/** Options that change nothing here: the workspace is always fresh and credentials never persist. */
const NO_OPS = new Set([
  "persist-credentials",
  "clean",
  "show-progress",
  "token",
  "set-safe-directory",
  "github-server-url",
]);
const HANDLED = new Set(["fetch-depth", "fetch-tags", "ref", "path", "submodules"]);
/** `false` is what these default to; anything else needs work Flotilla does not do yet. */
const DEFAULT_FALSE = new Set(["lfs"]);

export async function checkoutAction(context: StepRunContext, inputs: Record<string, string>) {
  const given = Object.entries(inputs).filter(([, value]) => value !== "");
  const unsupported = given
    .filter(([key, value]) => !NO_OPS.has(key) && !HANDLED.has(key) && !(DEFAULT_FALSE.has(key) && value === "false"))
    .map(([key]) => key);
  if (unsupported.length > 0)
    return failed(`actions/checkout: \`with: ${unsupported.join(", ")}\` is not supported yet`);

  const { job, dirs, jobLog, signal } = context;
  const depth = inputs["fetch-depth"] ?? "";
  if (depth && !/^\d+$/.test(depth)) return failed(`actions/checkout: fetch-depth "${depth}" is not a number`);
  const submodules = (inputs.submodules ?? "").trim().toLowerCase();
  if (submodules && !["true", "false", "recursive"].includes(submodules)) {
    return failed(`actions/checkout: submodules "${inputs.submodules}" is not true, false or recursive`);
  }
  const path = inputs.path ?? "";
  const dir = resolve(dirs.workspace, path || ".");
  const under = relative(dirs.workspace, dir);
  if (under === ".." || under.startsWith(`..${sep}`) || isAbsolute(under)) {
    return failed(`actions/checkout: path "${path}" is not under the workspace ${dirs.workspace}`);
  }

  const git = (args: string[], extra: { tokenScope?: string; noToken?: boolean } = {}) =>
    gitInWorkspace(dir, args, {
      ...(job.checkout.token && !extra.noToken ? { token: job.checkout.token } : {}),
      ...(extra.tokenScope ? { tokenScope: extra.tokenScope } : {}),
      signal,
      jobLog,
    });
  const ref = inputs.ref ?? "";
  try {
    await placeCheckout(context, dir, path);
    if (ref && ref !== job.checkout.sha && ref !== job.ref) {
      await git(["fetch", "--no-tags", `--depth=${depth && depth !== "0" ? depth : "1"}`, "origin", ref]);
      await git(["-c", "advice.detachedHead=false", "checkout", "-q", "--detach", "FETCH_HEAD"]);
    }
    if (depth === "0") {
      // As actions/checkout does for fetch-depth 0: all history, every branch and tag. A workspace
      // made from the runner's mirror has the history already: only what the mirror lacks comes.
      const unshallow = (await useMirrorHistory(dir, signal)) ? [] : ["--unshallow"];
      await git([
        "fetch",
        ...unshallow,
        "--prune",
        "--no-recurse-submodules",
        "origin",
        "+refs/heads/*:refs/remotes/origin/*",
        "+refs/tags/*:refs/tags/*",
      ]);
    } else if (depth && depth !== "1") {
      await git(["fetch", "--no-tags", `--depth=${depth}`, "origin", job.checkout.sha]);
    }
    if (inputs["fetch-tags"] === "true" && depth !== "0")
      await git(["fetch", "--no-recurse-submodules", "origin", "+refs/tags/*:refs/tags/*"]);
    if (submodules === "true" || submodules === "recursive") {
      const recursive = submodules === "recursive" ? ["--recursive"] : [];
      // Submodules may live on other hosts: the job's token goes only to its own forge (as
      // actions/checkout scopes its header to the server URL), never over plain `file:`.
      const scope = forgeScope(job.checkout.cloneUrl);
      await git(["submodule", "sync", ...recursive], { noToken: true });
      await git(
        [
          "-c",
          "protocol.version=2",
          "submodule",
          "update",
          "--init",
          "--force",
          ...(depth === "0" ? [] : [`--depth=${depth || "1"}`]),
          ...recursive,
        ],
        scope ? { tokenScope: scope } : { noToken: true },
      );
    }
  } catch (error) {
    if (error instanceof CheckoutError) return failed(`actions/checkout: ${error.message}`);
    throw error;
  }
  if (given.length === 0) jobLog.line(`already checked out at ${job.checkout.sha}`);
  return succeeded();
}

/**
 * Makes `dir` hold the job's checkout. Already there: nothing to do. Still at the workspace
 * root (the runner's pre-checkout) and `path` asks for elsewhere: `.git` and the tracked
 * top-level entries move there, so the root is left as GitHub leaves it (without the
 * repository; what earlier steps wrote there stays). Neither (an earlier checkout moved it
 * away): the commit is fetched into `dir` afresh, as the runner's pre-checkout does.
 */
async function placeCheckout(context: StepRunContext, dir: string, path: string): Promise<void> {
  const { job, dirs, jobLog, signal } = context;
  const root = dirs.workspace;
  if (await exists(join(dir, ".git"))) return;
  if (dir !== root && (await exists(join(root, ".git")))) {
    jobLog.line(`moving the checkout to ${path}`);
    const listed = await runGit(["ls-tree", "-z", "--name-only", "HEAD"], { cwd: root, ...(signal ? { signal } : {}) });
    if (!listed.ok) throw new CheckoutError(`git ls-tree failed: ${listed.error}`);
    const names = [".git", ...listed.stdout.split("\0").filter(Boolean)];
    // Through a staging directory: `path` may lie inside one of the entries being moved.
    const staging = join(root, `.flotilla-checkout-${randomBytes(4).toString("hex")}`);
    await mkdir(staging);
    const moved: string[] = [];
    for (const name of names) {
      if (!(await exists(join(root, name)))) continue;
      await rename(join(root, name), join(staging, name));
      moved.push(name);
    }
    try {
      await mkdir(dirname(dir), { recursive: true });
      if (await exists(dir)) {
        if ((await readdir(dir)).length > 0) throw new CheckoutError(`path "${path}" already exists and is not empty`);
        await rm(dir, { recursive: true });
      }
      await rename(staging, dir);
    } catch (error) {
      // Put the pre-checkout back where it was, so a later step (or checkout) still finds it.
      for (const name of moved) await rename(join(staging, name), join(root, name)).catch(() => undefined);
      await rm(staging, { recursive: true, force: true });
      if (error instanceof CheckoutError) throw error;
      throw new CheckoutError(`could not move the checkout to "${path}": ${(error as Error).message}`);
    }
    return;
  }
  await gitCheckout().checkout(
    {
      cloneUrl: job.checkout.cloneUrl,
      sha: job.checkout.sha,
      ref: job.checkout.ref,
      ...(job.checkout.token ? { token: job.checkout.token } : {}),
      dir,
    },
    { jobLog, signal },
  );
}

/** `scheme://host/` of an HTTP(S) clone URL, for `http.<url>.extraHeader`; undefined otherwise. */
function forgeScope(cloneUrl: string): string | undefined {
  try {
    const url = new URL(cloneUrl);
    return url.protocol === "http:" || url.protocol === "https:" ? `${url.protocol}//${url.host}/` : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
