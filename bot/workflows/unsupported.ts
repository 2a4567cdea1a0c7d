/**
 * What Flotilla cannot run yet, in one place, so later work can lift rules one by one.
 *
 * Most of it belongs to one job (a `container:`, a docker action, a matrix from `needs`): that
 * job is refused — its check run fails naming the feature, the workflow's other jobs run, and
 * jobs that need it are skipped as after any failed need. What makes a whole workflow
 * unplannable (parts of a reusable-workflow call) refuses the workflow, named at its line.
 */
import type { JobRefusal } from "./workflow.ts";

/** The text a refused job's check run (and `flotilla validate`) shows. */
export function refusalMessage(refusal: Pick<JobRefusal, "feature" | "reason">): string {
  return `\`${refusal.feature}\` is not supported by Flotilla: ${refusal.reason}`;
}

/** Job keys that need something Flotilla does not have (a container engine). */
const UNSUPPORTED_JOB_KEYS: Record<string, string> = {
  container: "it needs a container engine; Flotilla runs a job's steps as processes on the runner",
  services: "service containers need a container engine; Flotilla runs a job's steps as processes on the runner",
};

export function unsupportedJobKey(key: string): Pick<JobRefusal, "feature" | "reason"> | undefined {
  const reason = UNSUPPORTED_JOB_KEYS[key];
  return reason ? { feature: key, reason } : undefined;
}

/**
 * A step's `uses:`. Remote (`owner/repo[/path]@ref`) and local (`./path`) actions run on the
 * runner, which fetches and checks them when the job starts; only docker actions are refused
 * here, because no runner has a container engine.
 */
export function unsupportedUses(uses: string): Pick<JobRefusal, "feature" | "reason"> | undefined {
  if (!uses.trim().startsWith("docker://")) return undefined;
  return { feature: `uses: ${uses.trim()}`, reason: "docker actions need a container engine" };
}

export function unsupportedRunsOnGroup(): Pick<JobRefusal, "feature" | "reason"> {
  return { feature: "runs-on.group", reason: "runner groups do not exist here; use labels" };
}

export function unsupportedStrategyExpression(): Pick<JobRefusal, "feature" | "reason"> {
  return { feature: "strategy: ${{ … }}", reason: "write the strategy as a mapping (its values may be expressions)" };
}

/** The matrix and the strategy are decided when the run is planned, before any job has outputs. */
export function unsupportedStrategyFromNeeds(field: string): Pick<JobRefusal, "feature" | "reason"> {
  return {
    feature: `strategy.${field}: \${{ needs.… }}`,
    reason: "a job's matrix and strategy are decided when the run is planned, before any job has outputs",
  };
}

/** Parts of a reusable-workflow call Flotilla does not run yet; named at the caller's line. */
export function unsupportedCallPart(jobId: string, part: string): string {
  return `\`jobs.${jobId}.${part}\` on a job that calls a reusable workflow is not supported yet`;
}

/** A call's `with:` is evaluated when the run is planned, before any job has outputs. */
export function unsupportedCallWithFromNeeds(jobId: string, input: string): string {
  return `\`jobs.${jobId}.with.${input}\` built from \`needs\` outputs is not supported yet (inputs of a called workflow are decided when the run is planned)`;
}
