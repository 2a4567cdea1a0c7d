/**
 * Parses a workflow file written in GitHub Actions syntax into what Flotilla runs.
 *
 * Every feature Flotilla does not run yet is reported by name at its line, never skipped:
 * a workflow either runs as written or fails with an annotation saying why.
 */
import { LineCounter, parseDocument, type Node, type YAMLMap } from "yaml";
import type { JobStep } from "../../protocol/messages.ts";
import { parseTriggers } from "./parse-triggers.ts";
import type { ParseResult, Workflow, WorkflowJob } from "./workflow.ts";
import { entries, envMap, isMap, isScalar, isSeq, Problems, scalarString, stringList } from "./yaml-node.ts";

const ACCEPTED_ROOT = new Set(["name", "on", "env", "jobs", "run-name", "permissions"]);
const ACCEPTED_JOB = new Set(["name", "runs-on", "env", "steps", "timeout-minutes", "permissions"]);
const ACCEPTED_STEP = new Set(["name", "id", "run", "env", "shell", "working-directory", "timeout-minutes", "continue-on-error"]);
const SHELLS = new Set(["bash", "sh"]);

export function parseWorkflow(path: string, text: string): ParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const problems = new Problems(lines);
  for (const error of doc.errors) {
    const pos = lines.linePos(error.pos[0]);
    problems.list.push({ message: error.message.split("\n")[0]!, line: pos.line, column: pos.col });
  }
  if (problems.list.length > 0) return { ok: false, problems: problems.list };
  const root = doc.contents as Node | null;
  if (!isMap(root)) {
    problems.at(root, "a workflow must be a mapping with `on` and `jobs`");
    return { ok: false, problems: problems.list };
  }
  rejectExpressions(root, problems);
  const workflow: Workflow = { path, name: path, on: { other: [] }, env: {}, defaults: {}, jobs: [] };
  let sawOn = false;
  let sawJobs = false;
  for (const [key, value, pair] of entries(root)) {
    if (key === "name") workflow.name = scalarString(value) ?? path;
    else if (key === "on") {
      sawOn = true;
      workflow.on = parseTriggers(value, problems);
    } else if (key === "env") workflow.env = envMap(value, problems, "env");
    else if (key === "jobs") {
      sawJobs = true;
      workflow.jobs = parseJobs(value, problems);
    } else if (!ACCEPTED_ROOT.has(key)) problems.at(pair, unsupported(key));
  }
  if (!sawOn) problems.at(root, "the workflow has no `on:` (which events start it)");
  if (!sawJobs) problems.at(root, "the workflow has no `jobs:`");
  return problems.list.length > 0 ? { ok: false, problems: problems.list } : { ok: true, workflow };
}

function parseJobs(node: Node | null, problems: Problems): WorkflowJob[] {
  if (!isMap(node) || node.items.length === 0) {
    problems.at(node, "`jobs` must be a mapping with at least one job");
    return [];
  }
  const jobs: WorkflowJob[] = [];
  for (const [key, value, pair] of entries(node)) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) problems.at(pair, `job id "${key}" must start with a letter or _ and contain only letters, digits, - and _`);
    if (!isMap(value)) {
      problems.at(value ?? pair, `job "${key}" must be a mapping`);
      continue;
    }
    const job = parseJob(key, value, problems);
    if (job) jobs.push(job);
  }
  return jobs;
}

function parseJob(key: string, map: YAMLMap, problems: Problems): WorkflowJob | undefined {
  const job: WorkflowJob = { key, name: key, needs: [], if: "success()", runsOn: [], env: {}, defaults: {}, timeoutMinutes: 360, continueOnError: false, outputs: {}, steps: [] };
  let sawRunsOn = false;
  let stepCount = 0;
  for (const [field, value, pair] of entries(map)) {
    if (field === "name") job.name = scalarString(value) ?? key;
    else if (field === "runs-on") {
      sawRunsOn = true;
      job.runsOn = (isMap(value) ? labelsOfGroupForm(value, problems) : stringList(value, problems, `jobs.${key}.runs-on`)) ?? [];
    } else if (field === "env") job.env = envMap(value, problems, `jobs.${key}.env`);
    else if (field === "timeout-minutes") job.timeoutMinutes = positiveNumber(value, problems, `jobs.${key}.timeout-minutes`) ?? 360;
    else if (field === "steps") {
      job.steps = parseSteps(key, value, problems);
      stepCount = isSeq(value) ? value.items.length : 0;
    }
    else if (!ACCEPTED_JOB.has(field)) problems.at(pair, unsupported(`jobs.${key}.${field}`));
  }
  if (!sawRunsOn) problems.at(map, `job "${key}" has no \`runs-on\``);
  else if (job.runsOn.length === 0) problems.at(map, `job "${key}" has an empty \`runs-on\``);
  // Steps that were there but refused have said so themselves.
  if (stepCount === 0) problems.at(map, `job "${key}" has no steps`);
  return job;
}

function labelsOfGroupForm(map: YAMLMap, problems: Problems): string[] | undefined {
  for (const [field, value, pair] of entries(map)) {
    if (field === "labels") return stringList(value, problems, "runs-on.labels");
    if (field === "group") problems.at(pair, unsupported("runs-on.group"));
  }
  return [];
}

function parseSteps(jobKey: string, node: Node | null, problems: Problems): JobStep[] {
  if (!isSeq(node)) {
    problems.at(node, `jobs.${jobKey}.steps must be a list`);
    return [];
  }
  const steps: JobStep[] = [];
  node.items.forEach((item, index) => {
    const where = `jobs.${jobKey}.steps[${index}]`;
    if (!isMap(item)) return problems.at(item as Node, `${where} must be a mapping`);
    const step: JobStep = { name: "", run: "", with: {}, env: {}, continueOnError: false };
    let run: string | undefined;
    for (const [field, value, pair] of entries(item)) {
      if (field === "run") run = scalarString(value);
      else if (field === "name") step.name = scalarString(value) ?? "";
      else if (field === "id") step.id = scalarString(value);
      else if (field === "env") step.env = envMap(value, problems, `${where}.env`);
      else if (field === "working-directory") step.workingDirectory = scalarString(value);
      else if (field === "timeout-minutes") step.timeoutMinutes = positiveNumber(value, problems, `${where}.timeout-minutes`);
      else if (field === "continue-on-error") step.continueOnError = scalarString(value) === "true";
      else if (field === "shell") {
        const shell = scalarString(value) ?? "";
        if (!SHELLS.has(shell)) problems.at(value, `${where}.shell "${shell}" is not supported yet (bash and sh are)`);
        step.shell = shell;
      } else if (field === "uses") problems.at(pair, `${where}.uses: actions (\`uses:\`) are not supported yet; use \`run:\` steps`);
      else if (!ACCEPTED_STEP.has(field)) problems.at(pair, unsupported(`${where}.${field}`));
    }
    if (run === undefined) {
      if (!item.has("uses")) problems.at(item, `${where} has no \`run:\``);
      return;
    }
    step.run = run;
    step.name ||= `Run ${run.split("\n")[0]}`;
    steps.push(step);
  });
  return steps;
}

function positiveNumber(node: Node | null, problems: Problems, what: string): number | undefined {
  const value = Number(scalarString(node));
  if (!Number.isFinite(value) || value <= 0) {
    problems.at(node, `${what} must be a positive number`);
    return undefined;
  }
  return value;
}

/** `${{ }}` comes with the workflow-syntax work; until then say so instead of passing it to bash. */
function rejectExpressions(node: Node | null, problems: Problems): void {
  if (isScalar(node)) {
    if (typeof node.value === "string" && node.value.includes("${{")) problems.at(node, "expressions (`${{ … }}`) are not supported yet");
  } else if (isMap(node)) {
    for (const pair of node.items) rejectExpressions(pair.value as Node | null, problems);
  } else if (isSeq(node)) {
    for (const item of node.items) rejectExpressions(item as Node, problems);
  }
}

function unsupported(feature: string): string {
  return `\`${feature}\` is not supported yet`;
}
