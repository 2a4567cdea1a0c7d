/**
 * Names and links users see: check run names, status contexts, log page URLs.
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
