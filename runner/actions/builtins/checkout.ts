/**
 * `actions/checkout`: the runner has fetched the job's commit (depth 1) before the first step,
 * so the action's work is what its options ask beyond that — more history, tags, another
 * ref. Options Flotilla cannot honour yet are named, never ignored.
 */
import { CheckoutError, gitInWorkspace } from "../../checkout.ts";
import type { StepRunContext } from "../../run-step.ts";
import { failed, succeeded } from "./results.ts";

/** Options that change nothing here: the workspace is always fresh and credentials never persist. */
const NO_OPS = new Set(["persist-credentials", "clean", "show-progress", "token", "set-safe-directory", "github-server-url"]);
const HANDLED = new Set(["fetch-depth", "fetch-tags", "ref"]);
/** `false` is what these default to; anything else needs work Flotilla does not do yet. */
const DEFAULT_FALSE = new Set(["submodules", "lfs"]);

export async function checkoutAction(context: StepRunContext, inputs: Record<string, string>) {
  const given = Object.entries(inputs).filter(([, value]) => value !== "");
  const unsupported = given
    .filter(([key, value]) => !NO_OPS.has(key) && !HANDLED.has(key) && !(DEFAULT_FALSE.has(key) && value === "false"))
    .map(([key]) => key);
  if (unsupported.length > 0) return failed(`actions/checkout: \`with: ${unsupported.join(", ")}\` is not supported yet`);

  const { job, dirs, log, signal } = context;
  const git = (args: string[]) => gitInWorkspace(dirs.workspace, args, { token: job.checkout.token, signal, log: (line) => log.line(line) });
  const depth = inputs["fetch-depth"] ?? "";
  const ref = inputs.ref ?? "";
  try {
    if (ref && ref !== job.checkout.sha && ref !== job.ref) {
      await git(["fetch", "--no-tags", `--depth=${depth && depth !== "0" ? depth : "1"}`, "origin", ref]);
      await git(["-c", "advice.detachedHead=false", "checkout", "-q", "--detach", "FETCH_HEAD"]);
    }
    if (depth === "0") {
      // As actions/checkout does for fetch-depth 0: all history, every branch and tag.
      await git(["fetch", "--unshallow", "--prune", "--no-recurse-submodules", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]);
    } else if (depth && depth !== "1") {
      if (!/^\d+$/.test(depth)) return failed(`actions/checkout: fetch-depth "${depth}" is not a number`);
      await git(["fetch", "--no-tags", `--depth=${depth}`, "origin", job.checkout.sha]);
    }
    if (inputs["fetch-tags"] === "true" && depth !== "0") await git(["fetch", "--no-recurse-submodules", "origin", "+refs/tags/*:refs/tags/*"]);
  } catch (error) {
    if (error instanceof CheckoutError) return failed(`actions/checkout: ${error.message}`);
    throw error;
  }
  if (given.length === 0) log.line(`already checked out at ${job.checkout.sha}`);
  return succeeded();
}
