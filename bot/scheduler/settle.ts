/**
 * A namespace's commit status for a run, once its last job is done.
 */
import type { Db } from "../../db/client.ts";
import type { Forge } from "../forges/forge.ts";
import { repoRef } from "../runs/repo-ref.ts";
import { runUrl } from "../runs/links.ts";
import { settleRunStatus } from "./store-schedule.ts";
import type { RunRow } from "../runs/rows.ts";
import type { Bus } from "../bus/connect.ts";
import { announcerOf } from "./announce-run.ts";

export async function settleNamespace(
  db: Db,
  forge: Forge,
  run: RunRow,
  namespace: string,
  publicUrl: string,
  /** Where the run's completion is announced to `workflow_run` workflows; none, no announcement. */
  bus?: Bus,
): Promise<void> {
  // Read before the row lock is taken: inside it, announcing only publishes.
  const announce = bus ? await announcerOf({ db, bus, publicUrl }, run) : undefined;
  await settleRunStatus(
    db,
    run.id,
    namespace,
    (state, context) =>
      forge.setCommitStatus(repoRef(run.repository), run.sha, {
        state,
        context,
        description: state === "success" ? "All jobs succeeded" : "Some jobs did not succeed",
        targetUrl: runUrl(publicUrl, run.id, run.accessToken),
        namespace,
      }),
    announce ? (conclusion) => announce("completed", conclusion) : undefined,
  );
}
