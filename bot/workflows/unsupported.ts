/**
 * What Flotilla cannot run yet, in one place, so later work can lift rules one by one.
 * Each feature is named at its line; a workflow that uses one fails before any job runs
 * instead of being half-run.
 */

/** Job keys that need something Flotilla does not have yet (a container engine). */
const UNSUPPORTED_JOB_KEYS: Record<string, string> = {
  container: "`jobs.<id>.container` (needs a container engine) is not supported yet",
  services: "`jobs.<id>.services` (needs a container engine) is not supported yet",
};

export function unsupportedJobKey(jobId: string, key: string): string | undefined {
  return UNSUPPORTED_JOB_KEYS[key]?.replace("<id>", jobId);
}

/**
 * A step's `uses:`. Remote (`owner/repo[/path]@ref`) and local (`./path`) actions run on the
 * runner, which fetches and checks them when the job starts; only docker actions are refused
 * here, because no runner has a container engine.
 */
export function unsupportedUses(uses: string): string | undefined {
  if (uses.trim().startsWith("docker://"))
    return `\`uses: ${uses}\` (docker actions need a container engine) is not supported yet`;
  return undefined;
}

/** A step field whose type is a number or boolean, given as an expression: the runner takes literals only. */
export function unsupportedStepExpression(field: string): string {
  return `\`${field}: \${{ … }}\` on a step is not supported yet; write a literal value`;
}

export function unsupportedRunsOnGroup(): string {
  return "`runs-on.group` (runner groups) is not supported yet; use labels";
}

/** The matrix is expanded when the run is planned, before any job has outputs. */
export function unsupportedMatrixFromNeeds(jobId: string): string {
  return `\`jobs.${jobId}.strategy.matrix\` built from \`needs\` outputs is not supported yet`;
}

/** Parts of a reusable-workflow call Flotilla does not run yet; named at the caller's line. */
export function unsupportedCallPart(jobId: string, part: string): string {
  return `\`jobs.${jobId}.${part}\` on a job that calls a reusable workflow is not supported yet`;
}

/** A call's `with:` is evaluated when the run is planned, before any job has outputs. */
export function unsupportedCallWithFromNeeds(jobId: string, input: string): string {
  return `\`jobs.${jobId}.with.${input}\` built from \`needs\` outputs is not supported yet (inputs of a called workflow are decided when the run is planned)`;
}

/** The environment decides which secrets the job gets: it is read when the run is planned, as written. */
export function unsupportedEnvironmentExpression(jobId: string): string {
  return `\`jobs.${jobId}.environment\` named by an expression is not supported yet; write the environment's name`;
}
