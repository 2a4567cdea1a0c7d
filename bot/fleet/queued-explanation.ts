/**
 * What a queued check run says while its job waits: which labels it wants, how many runners
 * of its namespace could take it and in what state — or that none has ever had those labels,
 * and how to register one. Written with the check run's creation (no extra forge write), from
 * one read of the fleet per run.
 */
import { and, inArray, isNull } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { runners } from "../../db/schema.ts";
import { canServe, mayTake, normalizeLabels } from "../../protocol/labels.ts";
import { aliasAdvice, githubHostedLabels } from "./label-aliases.ts";
import { runnerState, type RunnerRow } from "./runner-state.ts";

export interface Fleet {
  runners: Pick<
    RunnerRow,
    "namespace" | "labels" | "exclusiveLabels" | "lastSeenAt" | "removedAt" | "running" | "concurrency"
  >[];
  now: Date;
  /** Explanations already worked out, by namespace and labelset: a matrix's legs share one. */
  explained?: Map<string, Explanation>;
}

export interface Explanation {
  title: string;
  summary: string;
}

/** The runners (not removed) of `namespaces`, as they are now. */
export async function readFleet(db: Db, namespaces: string[]): Promise<Fleet> {
  const now = new Date();
  if (namespaces.length === 0) return { runners: [], now };
  const rows = await db
    .select({
      namespace: runners.namespace,
      labels: runners.labels,
      exclusiveLabels: runners.exclusiveLabels,
      lastSeenAt: runners.lastSeenAt,
      removedAt: runners.removedAt,
      running: runners.running,
      concurrency: runners.concurrency,
    })
    .from(runners)
    .where(and(inArray(runners.namespace, namespaces), isNull(runners.removedAt)));
  return { runners: rows, now };
}

export function queuedExplanation(fleet: Fleet, namespace: string, jobLabels: readonly string[]): Explanation {
  const labels = normalizeLabels(jobLabels);
  const key = `${namespace}\0${labels.join("\0")}`;
  const known = fleet.explained?.get(key);
  if (known) return known;
  const explanation = explain(fleet, namespace, labels);
  (fleet.explained ??= new Map()).set(key, explanation);
  return explanation;
}

function explain(fleet: Fleet, namespace: string, labels: string[]): Explanation {
  const wanted = labels.length > 0 ? labels.map((l) => `\`${l}\``).join(", ") : "no particular labels";
  const where = `namespace \`${namespace}\``;
  const mine = fleet.runners.filter((r) => r.namespace === namespace);
  const matching = mine.filter((r) => mayTake(r.labels, r.exclusiveLabels, labels));
  if (matching.length === 0) {
    const kept = mine.filter((r) => canServe(r.labels, labels));
    if (kept.length > 0) return keptForOthers(kept, namespace, labels, wanted);
    // Only possible with labels when the namespace has runners: with none asked for, any runner fits.
    const register = `flotilla runner register${labels.length > 0 ? ` --labels ${labels.join(",")}` : ""}${namespace === "default" ? "" : ` --namespace ${namespace}`}`;
    const why =
      mine.length === 0
        ? `No runner in ${where}${labels.length > 0 ? ` has the labels ${wanted}` : ""}: the namespace has no runners.`
        : `No runner in ${where} has the labels ${wanted}: it has ${count(mine.length, "runner")}, none with all of them (a runner needs every label a job asks for).`;
    const hosted = githubHostedLabels(labels);
    const alias = hosted.length > 0 ? `\n\n${aliasAdvice(hosted, namespace)}` : "";
    return {
      title: `No runner in namespace ${namespace}${labels.length > 0 ? ` has the labels ${labels.join(", ")}` : ""}`,
      summary: `${why}\n\nThe job stays queued until one does: register one with \`${register}\` and start it.${alias}`,
    };
  }
  let online = 0;
  let busy = 0;
  let offline = 0;
  for (const runner of matching) {
    const state = runnerState(runner, fleet.now);
    if (state === "offline") offline++;
    else online++;
    if (state === "busy") busy++;
  }
  const counts = `${online} online (${busy} busy), ${offline} offline`;
  const advice =
    online === 0
      ? "Every runner that could run it is offline: the job starts when one of them comes back."
      : online === busy
        ? "Every runner that could run it is busy: the job starts when one of them is free."
        : "A free runner takes it in a moment.";
  return {
    title: `Waiting for a runner: ${counts}`,
    summary: `Waiting for a runner with ${labels.length > 0 ? `labels ${wanted}` : wanted} in ${where}: ${counts} when the job was queued. ${advice}`,
  };
}

/**
 * Why a job nobody took in the queue timeout waited, for its failed check run: the labels no
 * runner of the namespace had, or that runners with them kept busy, offline or to themselves.
 */
export function notTakenExplanation(fleet: Fleet, namespace: string, jobLabels: readonly string[]): string {
  const labels = normalizeLabels(jobLabels);
  const mine = fleet.runners.filter((r) => r.namespace === namespace);
  const had = new Set(mine.flatMap((r) => normalizeLabels(r.labels)));
  const missing = labels.filter((l) => !had.has(l));
  const asked = labels.length > 0 ? `\`runs-on\`: ${labels.map((l) => `\`${l}\``).join(", ")}.` : "";
  if (missing.length > 0)
    return `No runner in namespace \`${namespace}\` had the labels ${missing.map((l) => `\`${l}\``).join(", ")} (${asked.slice(0, -1)}).`;
  return `${asked} ${queuedExplanation(fleet, namespace, labels).summary}`.trim();
}

/** Runners with every label the job asks for exist, but each keeps itself for jobs asking for more. */
function keptForOthers(kept: Fleet["runners"], namespace: string, labels: string[], wanted: string): Explanation {
  const exclusive = normalizeLabels(kept.flatMap((r) => r.exclusiveLabels)).filter((l) => !labels.includes(l));
  const named = exclusive.map((l) => `\`${l}\``).join(", ");
  return {
    title: `No runner in namespace ${namespace} takes these labels: ${kept.length === 1 ? "its one match is" : "every match is"} exclusive to ${exclusive.join(", ")}`,
    summary: `${count(kept.length, "runner")} in namespace \`${namespace}\` ${kept.length === 1 ? "has" : "have"} the labels ${wanted}, but ${kept.length === 1 ? "it takes" : "each takes"} only jobs whose \`runs-on\` asks for ${named} (registered with \`--exclusive-labels\`).\n\nThe job stays queued until a runner without that restriction comes: register one with \`flotilla runner register${labels.length > 0 ? ` --labels ${labels.join(",")}` : ""}${namespace === "default" ? "" : ` --namespace ${namespace}`}\`, or add ${named} to the job's \`runs-on\`.`,
  };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
