/**
 * A workflow file that does not parse becomes a failed check run named after the file, with
 * an annotation at each problem's line — the same place GitHub would point.
 */
import type { Db } from "../../db/client.ts";
import type { Forge, NewCheck } from "../forges/forge.ts";
import type { WorkflowProblem } from "../workflows/workflow.ts";
import { createCheckOnce } from "../scheduler/create-check-once.ts";
import { runUrl } from "../runs/links.ts";
import type { RunContext } from "../runs/run-context.ts";
import * as store from "./store-run.ts";

/** One request's worth: a file with hundreds of problems should not cost hundreds of writes. */
const MAX_ANNOTATIONS = 50;

export async function reportBrokenWorkflow(
  deps: { db: Db; publicUrl: string },
  forge: Forge,
  context: RunContext,
  path: string,
  all: WorkflowProblem[],
): Promise<void> {
  const problems = all.slice(0, MAX_ANNOTATIONS);
  const more = all.length - problems.length;
  const summary =
    problems.map((p) => `- line ${p.line}, column ${p.column}: ${p.message}`).join("\n") +
    (more > 0 ? `\n- … and ${more} more` : "");
  const run = await store.upsertRun(deps.db, context, path, path, summary);
  if (run.checkRunId !== null) return;
  const requestedBefore = await store.requestRunCheck(deps.db, run.id);
  const check: NewCheck = {
    name: path,
    headSha: context.sha,
    detailsUrl: runUrl(deps.publicUrl, run.id, run.accessToken),
    externalId: run.id,
    status: "completed",
    conclusion: "failure",
    namespaces: (await store.namespacesFollowing(deps.db, context.repo.fullName)).map((ns) => ns.name),
    output: {
      title: `${path} is not a valid workflow`,
      summary: `Flotilla could not run \`${path}\`:\n\n${summary}`,
      annotations: problems.map((p) => ({
        path,
        startLine: p.line,
        endLine: p.line,
        startColumn: p.column,
        level: "failure" as const,
        title: "Invalid workflow",
        message: p.message,
      })),
    },
  };
  const id = await createCheckOnce(forge, context.repo, check, requestedBefore);
  await store.setRunCheckRun(deps.db, run.id, id);
}
