/**
 * Reusable workflows (`jobs.<id>.uses`), at plan time: the called workflow files are fetched
 * (same repository at the run's commit, or `owner/repo/path@ref` through the forge's contents
 * API), parsed with our parser and hung on the calling job, so `expandJobs` can turn each call
 * into the called workflow's jobs (`<caller> / <called>`).
 *
 * Once those jobs ran, the caller's `needs.<caller>` is computed from the job rows at release
 * time: bot/scheduler/needs-context.ts.
 */
import type { RepoRef } from "../runs/repo-ref.ts";
import { MAX_CALL_DEPTH } from "../workflows/expand-call.ts";
import { type ParseOptions, parseWorkflow } from "../workflows/parse-workflow.ts";
import type { Workflow } from "../workflows/workflow.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";

/** Where workflow files come from: the forge, for one installation. */
export interface WorkflowFiles {
  readFile(repo: RepoRef, path: string, ref: string): Promise<string | undefined>;
}

/** The workflow a job's `uses:` names, or why it names none. */
export type CallTarget = Result<{ repo: RepoRef; path: string; ref: string }>;

const WORKFLOW_DIRS = [".flotilla/workflows/", ".github/workflows/"];

/**
 * `./.flotilla/workflows/x.yml` (the repository and commit of the calling file) or
 * `owner/repo/.github/workflows/x.yml@ref`.
 */
export function callTarget(uses: string, from: { repo: RepoRef; ref: string }): CallTarget {
  const local = uses.startsWith("./");
  let target: { repo: RepoRef; path: string; ref: string };
  if (local) {
    if (uses.includes("@"))
      return fail(
        `\`uses: ${uses}\`: a workflow of the same repository is called without \`@ref\` (it is read at the run's commit)`,
      );
    target = { repo: from.repo, path: uses.slice(2), ref: from.ref };
  } else {
    const match = /^([^/@\s]+)\/([^/@\s]+)\/([^@\s]+)@(\S+)$/.exec(uses);
    if (!match)
      return fail(
        `\`uses: ${uses}\` is not a reusable workflow: write \`./.flotilla/workflows/x.yml\` or \`owner/repo/.github/workflows/x.yml@ref\``,
      );
    const [, owner = "", name = "", path = "", ref = ""] = match;
    target = { repo: { owner, name, fullName: `${owner}/${name}` }, path, ref };
  }
  if (
    !WORKFLOW_DIRS.some((dir) => target.path.startsWith(dir)) ||
    !/\.ya?ml$/.test(target.path) ||
    target.path.includes("..")
  ) {
    return fail(
      `\`uses: ${uses}\`: a called workflow is a \`.yml\` file directly under \`.flotilla/workflows/\` or \`.github/workflows/\``,
    );
  }
  return ok(target);
}

/**
 * Fetches and parses every workflow `workflow` calls, recursively (at most MAX_CALL_DEPTH levels,
 * no workflow calling itself), setting `call.workflow` or `call.error` on each calling job.
 * `options` are the caller's: a called workflow may read what the run's forge adds.
 */
export async function resolveCalls(
  workflow: Workflow,
  files: WorkflowFiles,
  from: { repo: RepoRef; ref: string },
  options: ParseOptions = {},
): Promise<void> {
  const texts = new Map<string, Promise<string | undefined>>();
  const read = (repo: RepoRef, path: string, ref: string) => {
    const key = `${repo.fullName}\0${path}\0${ref}`;
    let text = texts.get(key);
    if (!text) texts.set(key, (text = files.readFile(repo, path, ref)));
    return text;
  };
  const identity = (repo: RepoRef, path: string, ref: string) => `${repo.fullName}/${path}@${ref}`;
  const parse = (path: string, text: string) => parseWorkflow(path, text, options);
  await resolveLevel(workflow, from, [identity(from.repo, workflow.path, from.ref)], read, identity, parse);
}

async function resolveLevel(
  workflow: Workflow,
  from: { repo: RepoRef; ref: string },
  chain: string[],
  read: (repo: RepoRef, path: string, ref: string) => Promise<string | undefined>,
  identity: (repo: RepoRef, path: string, ref: string) => string,
  parse: (path: string, text: string) => ReturnType<typeof parseWorkflow>,
): Promise<void> {
  await Promise.all(
    workflow.jobs.map(async (job) => {
      const call = job.call;
      if (!call) return;
      const found = callTarget(call.uses, from);
      if (!found.ok) {
        call.error = found.reason;
        return;
      }
      const target = found.value;
      const id = identity(target.repo, target.path, target.ref);
      if (chain.includes(id)) {
        call.error = `\`uses: ${call.uses}\`: a reusable workflow may not call itself (${[...chain, id].join(" → ")})`;
        return;
      }
      if (chain.length >= MAX_CALL_DEPTH) {
        call.error = `\`uses: ${call.uses}\`: reusable workflows can be nested at most ${MAX_CALL_DEPTH} levels deep (${[...chain, id].join(" → ")})`;
        return;
      }
      const text = await read(target.repo, target.path, target.ref);
      if (text === undefined) {
        const where =
          target.repo.fullName === from.repo.fullName
            ? `at ${target.ref.slice(0, 12)}`
            : `in ${target.repo.fullName} at ${target.ref}`;
        call.error = `\`uses: ${call.uses}\`: no workflow file ${target.path} ${where}, or this installation cannot read ${target.repo.fullName}`;
        return;
      }
      const parsed = await parse(target.path, text);
      if (!parsed.ok) {
        const first = parsed.reason.slice(0, 3).map((p) => `${target.path}:${p.line}:${p.column}: ${p.message}`);
        call.error = `\`uses: ${call.uses}\`: the called workflow is not valid: ${first.join("; ")}${parsed.reason.length > 3 ? ` (and ${parsed.reason.length - 3} more)` : ""}`;
        return;
      }
      if (!parsed.value.on.workflow_call) {
        call.error = `\`uses: ${call.uses}\`: the called workflow has no \`on: workflow_call\``;
        return;
      }
      call.workflow = parsed.value;
      await resolveLevel(parsed.value, { repo: target.repo, ref: target.ref }, [...chain, id], read, identity, parse);
    }),
  );
}
