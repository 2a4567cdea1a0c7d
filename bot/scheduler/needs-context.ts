/**
 * A job's `needs` context, computed from the job rows when it is released. A need on a job that
 * called a reusable workflow (bot/planner/reusable-workflows.ts) is that call's: its `result` is
 * the aggregate of the called jobs, its `outputs` the called workflow's
 * `on.workflow_call.outputs` evaluated with their `jobs` context — a pure function of rows, so
 * every reporter that releases a job computes the same thing.
 *
 * Job ids of called jobs are `<caller leg key>/<called id>` (nested: `a/b/c`); a job's `needs`
 * column holds job ids, and the context key of a need is the first segment of it below the
 * deepest scope the needing job shares with it.
 */
import type { JobRow } from "../runs/rows.ts";
import { asString, evaluateTemplate } from "../workflows/evaluate-template.ts";
import { foldResults, type NeedResult } from "./job-condition.ts";

export type NeedsContext = Record<string, { result: NeedResult; outputs: Record<string, string> }>;

/**
 * The `needs` context of a job when every job it needs has completed in its namespace;
 * undefined until then. A need on a job that called a workflow is that call's result and outputs.
 */
export function needsContext(row: JobRow, rows: JobRow[]): NeedsContext | undefined {
  const mine = rows.filter((r) => r.namespace === row.namespace);
  const groups = new Map<string, { prefix: string; key: string }>();
  for (const jobId of row.needs) {
    const legs = mine.filter((r) => r.jobId === jobId);
    if (legs.length === 0 || legs.some((r) => r.status !== "completed")) return undefined;
    const prefix = sharedScope(row.jobId, jobId);
    const key = contextKey(jobId.slice(prefix.length));
    groups.set(`${prefix}\0${key}`, { prefix, key });
  }
  const needs: NeedsContext = {};
  for (const { prefix, key } of groups.values()) needs[key] = jobEntry(prefix, key, mine);
  return needs;
}

/** The deepest scope (`""`, `build/`, `build/inner/`) of `jobId` that `need` is under. */
function sharedScope(jobId: string, need: string): string {
  const segments = jobId.split("/").slice(0, -1);
  for (let n = segments.length; n > 0; n--) {
    const prefix = `${segments.slice(0, n).join("/")}/`;
    if (need.startsWith(prefix)) return prefix;
  }
  return "";
}

/** `build`, `test (20, linux)`, `build (a)/compile` → the job id the workflow names: `build`, `test`. */
function contextKey(rest: string): string {
  return rest.split("/")[0]!.split(" ")[0]!;
}

/** `needs.<key>` / `jobs.<key>` of the jobs under `prefix`: a job's legs, or a call's jobs. */
function jobEntry(
  prefix: string,
  key: string,
  rows: JobRow[],
): { result: NeedResult; outputs: Record<string, string> } {
  const members = rows.filter((r) => r.jobId.startsWith(prefix) && contextKey(r.jobId.slice(prefix.length)) === key);
  const outputs: Record<string, string> = {};
  const segments = [...new Set(members.map((r) => r.jobId.slice(prefix.length).split("/")[0]!))];
  for (const segment of segments) {
    const own = members.filter((r) => r.jobId === prefix + segment);
    Object.assign(outputs, ...(own.length > 0 ? own.map((r) => r.outputs) : [callOutputs(prefix + segment, members)]));
  }
  return { result: aggregate(members), outputs };
}

/** `on.workflow_call.outputs` of the call whose jobs are under `scope`, evaluated with their `jobs` context. */
function callOutputs(scope: string, rows: JobRow[]): Record<string, string> {
  const under = rows.filter((r) => r.jobId.startsWith(`${scope}/`));
  const templates = under.find((r) => r.callOutputs[scope])?.callOutputs[scope] ?? {};
  const keys = [...new Set(under.map((r) => contextKey(r.jobId.slice(scope.length + 1))))];
  const jobsContext = Object.fromEntries(keys.map((key) => [key, jobEntry(`${scope}/`, key, under)]));
  const outputs: Record<string, string> = {};
  for (const [name, template] of Object.entries(templates)) {
    try {
      outputs[name] = asString(evaluateTemplate(template, { jobs: jobsContext }));
    } catch {
      // GitHub leaves an output it cannot evaluate empty.
      outputs[name] = "";
    }
  }
  return outputs;
}

/** The result of several job rows: see foldResults. */
function aggregate(rows: JobRow[]): NeedResult {
  return foldResults(rows);
}
