/**
 * The order in which a (namespace, labelset)'s ready jobs go to its runners: priority classes
 * first, then start-time fair queueing across repositories, FIFO inside one repository. Pure:
 * the release pass keeps the state (see "Scheduling on shared fleets" in docs/architecture.md).
 *
 * Each repository has a finish tag, advanced by `1 / weight` for every job of it released; the
 * virtual clock is the start tag of the job released last. A repository's next job starts at
 * `max(clock, its finish tag)`, and the smallest start goes next. A repository that was idle
 * starts at the clock, so idle time earns no credit and a newcomer waits for at most one job of
 * each other active repository, however long their backlogs.
 */
export type Priority = "high" | "normal" | "low";

const CLASSES: readonly Priority[] = ["high", "normal", "low"];

export interface ReadyJob {
  id: string;
  repository: string;
  priority: Priority;
  /** FIFO inside the repository: by run, then by job (smaller goes first). */
  order: number;
}

export interface FairShareState {
  clock: number;
  /** Finish tags of repositories that were served; one below the clock is as good as none. */
  finish: Record<string, number>;
}

export const EMPTY_FAIR_SHARE: FairShareState = { clock: 0, finish: {} };

/** The job to release next and the state after releasing it; undefined when nothing is ready. */
export function nextJob(
  ready: readonly ReadyJob[],
  state: FairShareState,
  weightOf: (repository: string) => number,
): { job: ReadyJob; state: FairShareState } | undefined {
  const priority = CLASSES.find((c) => ready.some((job) => job.priority === c));
  if (!priority) return undefined;
  // Each repository's oldest job of the class: the head of its FIFO.
  const heads = new Map<string, ReadyJob>();
  for (const job of ready) {
    if (job.priority !== priority) continue;
    const head = heads.get(job.repository);
    if (!head || job.order < head.order) heads.set(job.repository, job);
  }
  let best: { job: ReadyJob; start: number } | undefined;
  for (const [repository, job] of heads) {
    const start = Math.max(state.clock, state.finish[repository] ?? 0);
    if (!best || start < best.start || (start === best.start && job.order < best.job.order)) best = { job, start };
  }
  if (!best) return undefined;
  const weight = Math.max(weightOf(best.job.repository), Number.EPSILON);
  const finish: Record<string, number> = {};
  // Tags at or below the new clock mean nothing any more: dropped, so the state stays small.
  for (const [repository, tag] of Object.entries(state.finish)) if (tag > best.start) finish[repository] = tag;
  finish[best.job.repository] = best.start + 1 / weight;
  return { job: best.job, state: { clock: best.start, finish } };
}
