/**
 * Names and links users see: check run names, status contexts, log page URLs, the buttons on
 * check runs, the title of a job whose runner was lost.
 */
export function checkRunName(jobName: string, namespace: string): string {
  return namespace === "default" ? jobName : `${jobName} [${namespace}]`;
}

export function statusContext(workflowName: string, namespace: string): string {
  return namespace === "default" ? `flotilla/${workflowName}` : `flotilla/${workflowName} [${namespace}]`;
}

export function jobUrl(publicUrl: string, jobId: string, token: string): string {
  return `${publicUrl}/jobs/${jobId}?token=${token}`;
}

export function runUrl(publicUrl: string, runId: string, token: string): string {
  return `${publicUrl}/runs/${runId}?token=${token}`;
}

/** The check run title (and the start of the job's message) of a job failed because its runners kept vanishing. */
export const RUNNER_LOST_TITLE = "Runner lost";

/**
 * The button a running job's check run shows. Pressing it sends a `check_run`
 * `requested_action` webhook carrying this identifier.
 */
export const CANCEL_BUTTON = { label: "Cancel", description: "Cancel this job", identifier: "cancel" } as const;

/**
 * A job's check run as the forge made it: its id with the name and commit it was created on,
 * and its log page (see Forge.updateCheck: a forge of statuses posts them by name, with the link).
 */
export function jobCheck(
  run: { sha: string; accessToken: string },
  row: { id: string; name: string; namespace: string },
  id: number,
  publicUrl: string,
): { id: number; name: string; headSha: string; externalId: string; detailsUrl: string; namespace: string } {
  return {
    id,
    namespace: row.namespace,
    name: checkRunName(row.name, row.namespace),
    headSha: run.sha,
    externalId: row.id,
    detailsUrl: jobUrl(publicUrl, row.id, run.accessToken),
  };
}
