/**
 * `POST /api/v1/dispatch` — what `flotilla dispatch` calls: starts one workflow with
 * `workflow_dispatch` at a ref, with inputs checked as GitHub checks them. The run itself is
 * planned like any event: the handler only verifies and puts a GitHub-shaped
 * `workflow_dispatch` event on the events stream.
 */
import { randomUUID } from "node:crypto";
import { basename } from "node:path";
import type { Logger } from "pino";
import { z } from "zod";
import { repoRef } from "../runs/repo-ref.ts";
import type { GitHubApp } from "../forges/github/github-app.ts";
import { pathOf, sendJson, type Handler } from "../http/handler.ts";
import { authorized, jsonBody } from "./auth.ts";
import type { PublishEvent } from "../ingest/publish-event.ts";
import { WORKFLOW_DIR } from "../planner/plan-event.ts";
import { parseWorkflow } from "../workflows/parse-workflow.ts";
import { checkInputs } from "./dispatch-inputs.ts";

const DispatchRequest = z.object({
  repository: z.string().regex(/^[^/\s]+\/[^/\s]+$/, "must be OWNER/REPO"),
  workflow: z.string().min(1),
  ref: z.string().min(1),
  inputs: z.record(z.string()).default({}),
  actor: z.string().default("flotilla"),
});

export interface DispatchOptions {
  token?: string;
  github: GitHubApp;
  publish: PublishEvent;
  log: Logger;
}

export function dispatchHandler(options: DispatchOptions): Handler {
  return async (req, res) => {
    if (pathOf(req).path !== "/api/v1/dispatch") return false;
    if (req.method !== "POST") return sendJson(res, 405, { error: "POST a dispatch" });
    if (!authorized(req, res, options.token)) return true;
    const request = await jsonBody(req, res, DispatchRequest);
    if (!request) return true;

    const target = await options.github.repository(request.repository);
    if (!target)
      return sendJson(res, 404, { error: `Flotilla's GitHub App is not installed on ${request.repository}` });
    const forge = await options.github.forge(target.installationId);
    const repo = repoRef(String(target.repository.full_name));
    const ref = await fullRef(request.ref, (r) => forge.commitSha(repo, r));
    if (!ref) return sendJson(res, 422, { error: `No ref found for: ${request.ref}` });
    const files = await forge.listWorkflowFiles(repo, ref.sha, WORKFLOW_DIR);
    const file = files.find((f) => f.path === request.workflow || basename(f.path) === request.workflow);
    if (!file)
      return sendJson(res, 404, {
        error: `Workflow ${request.workflow} not found in ${WORKFLOW_DIR} at ${request.ref}`,
      });
    const parsed = await parseWorkflow(file.path, file.content);
    if (!parsed.ok)
      return sendJson(res, 422, { error: `${file.path} is not a valid workflow`, problems: parsed.reason });
    const trigger = parsed.value.on.workflow_dispatch;
    if (!trigger) return sendJson(res, 422, { error: "Workflow does not have 'workflow_dispatch' trigger" });
    const inputs = checkInputs(trigger.inputs, request.inputs);
    if (!inputs.ok) return sendJson(res, 422, { error: inputs.reason.join("; "), problems: inputs.reason });

    const deliveryId = `dispatch-${randomUUID()}`;
    await options.publish({
      v: 1,
      forge: "github",
      deliveryId,
      name: "workflow_dispatch",
      payload: {
        inputs: inputs.value,
        ref: ref.ref,
        repository: target.repository,
        sender: { login: request.actor, type: "User" },
        workflow: file.path,
        installation: { id: target.installationId },
      },
      receivedAt: new Date().toISOString(),
    });
    options.log.info(
      { delivery: deliveryId, repository: repo.fullName, workflow: file.path, ref: ref.ref },
      "workflow dispatched",
    );
    return sendJson(res, 202, {
      delivery: deliveryId,
      workflow: file.path,
      ref: ref.ref,
      sha: ref.sha,
      inputs: inputs.value,
    });
  };
}

/** A branch or tag name (or full ref) as GitHub's dispatch takes it, to a full ref and its commit. */
async function fullRef(
  ref: string,
  resolve: (ref: string) => Promise<string | undefined>,
): Promise<{ ref: string; sha: string } | undefined> {
  const candidates = ref.startsWith("refs/") ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const candidate of candidates) {
    const sha = await resolve(candidate);
    if (sha) return { ref: candidate, sha };
  }
  return undefined;
}
