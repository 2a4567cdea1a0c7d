/**
 * A namespace's scheduling settings as operators write them: priority rules
 * (`acme/app:main=high,*:dependabot/*=low` — repository, then optional branch and workflow
 * globs) and fair-share weights (`acme/*=2`). First match wins; no match is `normal` and 1.
 * They live in the namespace, not in workflows: GitHub's parser refuses unknown keys.
 */
import type { Result } from "../../protocol/result.ts";
import type { Priority } from "./fair-share.ts";

export interface PriorityRule {
  repository: string;
  branch: string;
  workflow: string;
  priority: Priority;
}

export interface WeightRule {
  repository: string;
  weight: number;
}

const PRIORITIES: readonly string[] = ["high", "normal", "low"] satisfies Priority[];

/** `acme/app:main=high,*:dependabot/*=low`; an empty text is no rules. */
export function parsePriorityRules(text: string): Result<PriorityRule[]> {
  const rules: PriorityRule[] = [];
  for (const entry of splitList(text)) {
    const [pattern = "", priority = ""] = entry.split("=").map((part) => part.trim());
    if (!PRIORITIES.includes(priority))
      return { ok: false, reason: `priority rule "${entry}": the priority must be high, normal or low` };
    const [repository = "", branch = "*", workflow = "*", ...more] = pattern.split(":").map((part) => part.trim());
    if (!repository || more.length > 0)
      return { ok: false, reason: `priority rule "${entry}": write REPOSITORY[:BRANCH[:WORKFLOW]]=PRIORITY` };
    rules.push({ repository, branch: branch || "*", workflow: workflow || "*", priority: priority as Priority });
  }
  return { ok: true, value: rules };
}

/** `acme/*=2,acme/big=0.5`; an empty text is no rules. */
export function parseWeights(text: string): Result<WeightRule[]> {
  const rules: WeightRule[] = [];
  for (const entry of splitList(text)) {
    const [repository = "", value = ""] = entry.split("=").map((part) => part.trim());
    const weight = Number(value);
    if (!repository || value === "" || !Number.isFinite(weight) || weight <= 0)
      return { ok: false, reason: `weight "${entry}": write REPOSITORY=WEIGHT with a weight above 0` };
    rules.push({ repository, weight });
  }
  return { ok: true, value: rules };
}

export function priorityOf(
  rules: readonly PriorityRule[],
  job: { repository: string; branch: string; workflow: string },
): Priority {
  const rule = rules.find(
    (r) => matches(r.repository, job.repository) && matches(r.branch, job.branch) && matches(r.workflow, job.workflow),
  );
  return rule?.priority ?? "normal";
}

export function weightOf(rules: readonly WeightRule[], repository: string): number {
  return rules.find((r) => matches(r.repository, repository))?.weight ?? 1;
}

/** `*` stands for any run of characters, `/` included (`dependabot/*` is every Dependabot branch). */
function matches(glob: string, value: string): boolean {
  const pattern = glob
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`, "i").test(value);
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
}
