/**
 * A job's directories under the runner's work dir, one tree per execution so concurrent
 * jobs never share files: the checkout, a temp dir (RUNNER_TEMP, TMPDIR, step scripts) and a
 * home dir (HOME), all removed with the job unless the operator keeps workspaces.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";

export interface JobDirs {
  root: string;
  workspace: string;
  temp: string;
  home: string;
}

export async function prepareJobDirs(workDir: string, executionId: string): Promise<JobDirs> {
  const root = join(workDir, executionId.replace(/[^A-Za-z0-9_-]/g, "_"));
  // A redelivered attempt on the same runner starts clean, not on the dead attempt's leftovers.
  await rm(root, { recursive: true, force: true });
  const dirs: JobDirs = {
    root,
    workspace: join(root, "workspace"),
    temp: join(root, "temp"),
    home: join(root, "home"),
  };
  await Promise.all([dirs.workspace, dirs.temp, dirs.home].map((dir) => mkdir(dir, { recursive: true })));
  return dirs;
}

export async function removeJobDirs(dirs: JobDirs): Promise<void> {
  await rm(dirs.root, { recursive: true, force: true, maxRetries: 3 });
}
