/**
 * From a `uses:` to an action on disk with its metadata: a remote one from this job's fetched
 * repositories (fetching it now if it was not known when the job started, e.g. named by a local
 * composite action), a local one from the workspace as it is when the step runs.
 */
import { dirname, join, relative, resolve } from "node:path";
import type { JobMessage } from "../../protocol/messages.ts";
import type { JobState } from "../step/job-state.ts";
import type { JobDirs } from "../step/workspace.ts";
import { dockerRefusal, parseActionRef, repoKey } from "./action-ref.ts";
import { ActionError } from "./errors.ts";
import { fetchActionRepo } from "./fetch-action.ts";
import { readActionMetadata, type ActionMetadata } from "./metadata.ts";

export interface LoadedAction {
  uses: string;
  /** Where its action.yml is: GITHUB_ACTION_PATH, `github.action_path`. */
  dir: string;
  metadata: ActionMetadata;
  /** `owner/repo` (GITHUB_ACTION_REPOSITORY); empty for a local action, as on GitHub. */
  repository: string;
  /** The ref as written (GITHUB_ACTION_REF); empty for a local action. */
  ref: string;
}

export interface LoadContext {
  job: JobMessage;
  dirs: JobDirs;
  state: JobState;
  jobLog: { line(line: string): void };
  signal?: AbortSignal;
  /** The runner's `actionsUrl`, when set: remote actions come from there, anonymously. */
  actionsUrl?: string;
}

/**
 * Beside the job dirs in the runner's work dir, shared by the jobs of this runner, as
 * `_actions` is on GitHub's runners (`flotilla run` links it to the user's cache).
 */
export function sharedActionsDir(workDir: string): string {
  return join(workDir, "_actions");
}

function actionsDir(dirs: JobDirs): string {
  return sharedActionsDir(dirname(dirs.root));
}

/** Throws ActionError (docker refusals are the caller's: it has the metadata). */
export async function loadAction(context: LoadContext, uses: string): Promise<LoadedAction> {
  const ref = parseActionRef(uses);
  if (ref.kind === "docker") throw new ActionError(dockerRefusal(uses));
  if (ref.kind === "local") {
    const dir = resolve(context.dirs.workspace, ref.path);
    const metadata = await readActionMetadata(dir, `\`uses: ${uses}\``).catch((error: unknown) => {
      if (!(error instanceof ActionError) || !error.message.includes("can't find")) throw error;
      throw new ActionError(
        `${error.message}. Did you forget to run actions/checkout before running your local action?`,
      );
    });
    return { uses, dir, metadata, repository: "", ref: "" };
  }
  const key = repoKey(ref);
  let fetched = context.state.actions.get(key);
  if (!fetched) {
    fetched = await fetchActionRepo(
      {
        job: context.job,
        actionsDir: actionsDir(context.dirs),
        jobLog: context.jobLog,
        signal: context.signal,
        ...(context.actionsUrl ? { actionsUrl: context.actionsUrl } : {}),
      },
      ref,
    );
    context.state.actions.set(key, fetched);
  }
  const dir = join(fetched.dir, ref.path);
  if (relative(fetched.dir, dir).startsWith(".."))
    throw new ActionError(`\`uses: ${uses}\`: the path leaves the repository`);
  const metadata = await readActionMetadata(dir, `\`uses: ${uses}\``);
  return { uses, dir, metadata, repository: `${ref.owner}/${ref.repo}`, ref: ref.ref };
}
