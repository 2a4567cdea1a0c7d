/**
 * `flotilla validate [FILES...] [--json]`: parses workflow files offline with the bot's own
 * parser and prints the jobs each would create, so a workflow can be checked before it is
 * pushed. Exit 1 on any problem, an unsupported feature included: a job that uses one is
 * listed as refused, as the bot refuses that job (and runs the others).
 */
import { aliasAdvice, githubHostedLabels } from "../../bot/fleet/label-aliases.ts";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { notTriggering, TRIGGERING_EVENTS, triggers } from "../../bot/runs/triggering-events.ts";
import { expandJobs } from "../../bot/workflows/expand-jobs.ts";
import { parseWorkflow } from "../../bot/workflows/parse-workflow.ts";
import { refusalMessage } from "../../bot/workflows/unsupported.ts";
import type { WorkflowProblem } from "../../bot/workflows/workflow.ts";
import { WORKFLOW_DIR, workflowFiles } from "../local/workflow-files.ts";

interface ValidatedJob {
  key: string;
  name: string;
  runsOn: string[];
  needs: string[];
  /** Why the bot will fail this job instead of running it. */
  refused?: string;
  /** `environment:`'s name: the job gets that environment's secrets. */
  environment?: string;
}

interface ValidatedFile {
  path: string;
  ok: boolean;
  problems: { line: number; column: number; message: string }[];
  jobs: ValidatedJob[];
  /** Events in `on:` that start no run here (`workflow_run`, `issues`, …): the workflow never runs for them. */
  notTriggering?: string[];
}

export async function validateCommand(args: string[], cwd = process.cwd()): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: "boolean", default: false } },
  });
  const paths = positionals.length > 0 ? positionals : await workflowFiles(cwd);
  if (paths.length === 0) {
    console.error(`flotilla validate: no workflow files in ${WORKFLOW_DIR}`);
    return 1;
  }
  const files: ValidatedFile[] = [];
  for (const path of paths) files.push(await validateFile(path, cwd));
  if (values.json) console.log(JSON.stringify({ files }, null, 2));
  else for (const file of files) printFile(file);
  return files.every((file) => file.ok) ? 0 : 1;
}

async function validateFile(path: string, cwd: string): Promise<ValidatedFile> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), "utf8");
  } catch (error) {
    return {
      path,
      ok: false,
      problems: [{ line: 1, column: 1, message: `cannot read the file: ${(error as Error).message}` }],
      jobs: [],
    };
  }
  const parsed = await parseWorkflow(path, text, { perJob: true });
  if (!parsed.ok) return { path, ok: false, problems: parsed.reason.map(plain), jobs: [] };
  // No event yet: names that read `github` stay as written.
  const { jobs, problems } = expandJobs(parsed.value, { github: {}, vars: {}, inputs: {} }, { perJob: true });
  // Each refusal at its line, as the file's problems are; the job is listed as refused too.
  const refusals = parsed.value.jobs.flatMap((job) =>
    (job.refusals ?? []).map((refusal) => ({ ...refusal, message: `job "${job.key}": ${refusalMessage(refusal)}` })),
  );
  const refused = jobs.filter(
    (job) => job.refusal && !parsed.value.jobs.some((j) => j.refusals?.length && j.key === job.jobId),
  );
  const all = [
    ...problems,
    ...refusals,
    ...refused.map((job) => ({
      message: `job "${job.jobId}": ${job.refusal}`,
      ...(job.job.position ?? { line: 1, column: 1 }),
    })),
  ].sort((a, b) => a.line - b.line || a.column - b.column);
  return {
    path,
    ok: all.length === 0,
    problems: all.map(plain),
    // A problem of the workflow refuses all of it: then no job would be created.
    jobs: (problems.length > 0 ? [] : jobs).map((job) => ({
      key: job.key,
      name: job.name,
      runsOn: job.runsOn,
      needs: job.job.needs,
      ...(job.refusal ? { refused: job.refusal } : {}),
      ...(job.environment ? { environment: job.environment.name } : {}),
    })),
    // The bot's own list: what the planner runs, and what intake answers for the rest.
    notTriggering: parsed.value.on.other.filter((name) => !triggers(name)),
  };
}

function plain(problem: WorkflowProblem): ValidatedFile["problems"][number] {
  return { line: problem.line, column: problem.column, message: problem.message };
}

function printFile(file: ValidatedFile): void {
  for (const problem of file.problems)
    console.error(`${file.path}:${problem.line}:${problem.column}: ${problem.message}`);
  if (file.jobs.length === 0) return;
  console.log(`${file.path}: ${file.jobs.length} job${file.jobs.length === 1 ? "" : "s"}`);
  const width = Math.max(...file.jobs.map((job) => job.key.length));
  for (const job of file.jobs) {
    const needs = job.needs.length > 0 ? `  needs: ${job.needs.join(", ")}` : "";
    const what = job.refused ? `refused: ${job.refused.split("\n")[0]}` : `runs-on: ${job.runsOn.join(", ")}`;
    console.log(`  ${job.key.padEnd(width)}  ${what}${needs}`);
  }
  const environments = [...new Set(file.jobs.flatMap((job) => (job.environment ? [job.environment] : [])))];
  if (environments.length > 0)
    console.log(
      `  note: environment ${environments.join(", ")}: its secrets are used (flotilla secret set --environment) and its url is shown in the job's summary; protection rules and deployments are not applied in Flotilla`,
    );
  for (const event of file.notTriggering ?? [])
    console.log(`  note: ${notTriggering(event).replaceAll("`", "")} (these do: ${TRIGGERING_EVENTS.join(", ")})`);
  // Said once per file: a job asking for a GitHub-hosted label waits forever on self-hosted runners without an alias.
  const hosted = [...new Set(file.jobs.flatMap((job) => githubHostedLabels(job.runsOn)))];
  if (hosted.length > 0) console.log(`  note: ${aliasAdvice(hosted).replaceAll("`", "")}`);
}
