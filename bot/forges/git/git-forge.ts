/**
 * A plain git repository behind the Forge interface, icyCI's way. There is no API: workflow
 * files and commits are read from the bot's bare mirror (mirror.ts), fetched when it lacks the
 * commit asked for; results are git notes, one per commit and namespace under
 * `refs/notes/flotilla-<namespace>` in the results repository (write-note.ts):
 *
 * - `updateCheck` to completed writes the job's line: its conclusion, log page and log tail;
 * - `setCommitStatus` to a final state writes the run's line: its status and run page;
 * - `createCheck` of a check born finished (a broken workflow file) writes its line, with the
 *   problems, in the note of each namespace it names.
 *
 * Check runs are not kept anywhere else (`createCheck` answers id 0, `findCheck` nothing); a
 * pending status writes nothing. What a forge of pull requests and comments does is harmless
 * here: no pull requests, no comments, reactions ignored, every user's permission `none`.
 * A note that cannot be written is logged and given up, so it never holds a run's status back.
 */
import type { Logger } from "pino";
import type { Forge, WorkflowFile } from "../forge.ts";
import type { RepoRef } from "../../runs/repo-ref.ts";
import type { Mirror } from "./mirror.ts";
import { logLines } from "./note-text.ts";
import { writeNote } from "./write-note.ts";

interface FollowedRepository {
  url: string;
  /** Where notes go: the followed repository unless told; none for one followed through federation. */
  resultsUrl?: string;
  /** Where a finished run's result goes instead, for a repository followed through federation. */
  onRunResult?: (sha: string, result: { namespace: string; name: string; state: string; url: string }) => Promise<void>;
}

export interface GitForgeDeps {
  /** The followed repository named so; undefined when it is followed no more. */
  followed(name: string): Promise<FollowedRepository | undefined>;
  mirror(name: string, url: string): Mirror;
  log: Logger;
}

const FINAL_STATES = new Set(["success", "failure", "error"]);

export function gitForge(deps: GitForgeDeps): Forge {
  const { log } = deps;

  async function mirrorOf(repo: RepoRef): Promise<{ mirror: Mirror; followed: FollowedRepository } | undefined> {
    const followed = await deps.followed(repo.fullName);
    return followed && { mirror: deps.mirror(repo.fullName, followed.url), followed };
  }

  /** The mirror, with `rev` in it; undefined when the repository or the revision is not there. */
  async function at(repo: RepoRef, rev: string): Promise<Mirror | undefined> {
    const found = await mirrorOf(repo);
    if (!found || !(await found.mirror.ensure(rev))) return undefined;
    return found.mirror;
  }

  async function note(
    repo: RepoRef,
    sha: string,
    namespace: string | undefined,
    entry: Parameters<typeof writeNote>[4],
  ): Promise<void> {
    if (!namespace) return;
    const found = await mirrorOf(repo);
    if (!found?.followed.resultsUrl) return;
    await writeNote(found.mirror, found.followed.resultsUrl, namespace, sha, entry, log.child({ repo: repo.fullName }));
  }

  const forge: Forge = {
    steerers: { levels: [], noun: "permission" },
    describePermission: () => "no permission (a plain git repository has no users)",
    changedFiles: async () => undefined,
    pullRequest: async () => undefined,

    async commitSha(repo, ref) {
      const mirror = await at(repo, ref);
      return mirror?.tryGit(["rev-parse", "--verify", `${ref}^{commit}`]);
    },

    async listWorkflowFiles(repo, sha, dir) {
      const mirror = await at(repo, sha);
      if (!mirror) return [];
      const listing = await mirror.tryGit(["ls-tree", "-z", "--full-tree", `${sha}:${dir}`]);
      const names = (listing ?? "")
        .split("\0")
        .map((line) => /^\d+ blob [0-9a-f]+\t(.+)$/s.exec(line)?.[1])
        .filter((name): name is string => name !== undefined && /\.ya?ml$/i.test(name))
        .sort();
      const files = await Promise.all(
        names.map(async (name): Promise<WorkflowFile | undefined> => {
          const path = `${dir}/${name}`;
          const content = await mirror.readBlob(sha, path);
          return content === undefined ? undefined : { path, content };
        }),
      );
      return files.filter((f): f is WorkflowFile => f !== undefined);
    },

    async readFile(repo, path, ref) {
      const mirror = await at(repo, ref);
      return mirror?.readBlob(ref, path);
    },

    async createCheck(repo, check) {
      // Born finished (a broken workflow file): a line of its own in each namespace's note.
      if (check.status === "completed")
        for (const namespace of check.namespaces ?? [])
          await note(repo, check.headSha, namespace, {
            kind: "run",
            name: check.name,
            state: check.conclusion ?? "completed",
            url: check.detailsUrl,
            lines: check.output
              ? [check.output.title, ...check.output.summary.split("\n").slice(1)].filter(Boolean)
              : [],
          });
      return { id: 0 };
    },
    findCheck: async () => undefined,

    async updateCheck(repo, check, update) {
      if (update.status !== "completed") return;
      await note(repo, check.headSha, check.namespace, {
        kind: "job",
        name: check.name,
        state: update.conclusion ?? "completed",
        url: check.detailsUrl ?? "-",
        lines: logLines(update.logTail),
      });
    },

    async setCommitStatus(repo, sha, status) {
      if (!FINAL_STATES.has(status.state)) return;
      const followed = status.namespace ? await deps.followed(repo.fullName) : undefined;
      if (followed?.onRunResult && status.namespace) {
        const result = { namespace: status.namespace, name: status.context, state: status.state };
        await followed.onRunResult(sha, { ...result, url: status.targetUrl });
        return;
      }
      await note(repo, sha, status.namespace, {
        kind: "run",
        name: status.context,
        state: status.state,
        url: status.targetUrl,
        lines: [],
      });
    },

    cloneToken: async () => undefined,
    permission: async () => "none",
    react: async () => {},
    comment: async () => ({ id: 0 }),
    editComment: async () => {},
    findComment: async () => undefined,
  };
  return forge;
}
