/**
 * What the `flotilla run` suites share: repositories made with real git in the suite's scratch
 * directory, and `flotilla run` spawned in one as people run it, with an action cache of the
 * suite's own (XDG_CACHE_HOME) so no test reads or fills the user's.
 */
import { join } from "node:path";
import { execa } from "execa";
import { BIN } from "../helpers/flotilla-bin.ts";
import { createRepo, type FileTree } from "../helpers/git-repo.ts";
import { scratchDir } from "../helpers/scratch.ts";

export interface RunOutput {
  exitCode: number | undefined;
  all: string;
  stdout: string;
  stderr: string;
}

export function runSuite(prefix: string) {
  const scratch = scratchDir(prefix);
  let repos = 0;
  return {
    scratch,
    /** The suite's action cache, shared by its runs as a user's is. */
    cacheHome: () => join(scratch(), "cache-home"),
    async repo(files: FileTree): Promise<string> {
      const dir = join(scratch(), `repo-${++repos}`);
      await createRepo(dir, files);
      return dir;
    },
    async flotillaRun(dir: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunOutput> {
      const result = await execa("node", [BIN, "run", ...args], {
        cwd: dir,
        reject: false,
        all: true,
        env: { LOG_LEVEL: "silent", XDG_CACHE_HOME: join(scratch(), "cache-home"), FLOTILLA_ACTIONS_URL: "", ...env },
      });
      return {
        exitCode: result.exitCode,
        all: String(result.all ?? ""),
        stdout: String(result.stdout ?? ""),
        stderr: String(result.stderr ?? ""),
      };
    },
  };
}

/** The summary table's rows: job key and result, in the order the jobs ran. */
export function summaryRows(stdout: string): string[][] {
  const lines = stdout.split("\n");
  const start = lines.indexOf("Summary");
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (line.trim() === "") break;
    const match = /^(.+?)\s+[✓✗○] (\w+)/.exec(line);
    if (match) rows.push([match[1]!, match[2]!]);
  }
  return rows;
}
