/**
 * A matrix into its legs, in the order GitHub documents
 * (https://docs.github.com/actions/using-jobs/using-a-matrix-for-your-jobs):
 *
 * 1. the cartesian product of the keys other than `include`/`exclude`, first key slowest;
 * 2. every leg that an `exclude` entry partially matches is removed;
 * 3. each `include` entry extends every leg whose original values it does not overwrite
 *    (values added by an earlier include may be overwritten); if it extends none, it is
 *    added as a new leg of its own.
 */
import { isDeepStrictEqual } from "node:util";
import { fail, ok, type Result } from "../../protocol/result.ts";

export type Leg = Record<string, unknown>;

/** GitHub refuses a matrix that makes more than this many jobs. */
const MAX_LEGS = 256;

export function expandMatrix(matrix: Record<string, unknown>): Result<Leg[]> {
  const vectors: [string, unknown[]][] = [];
  for (const [key, value] of Object.entries(matrix)) {
    if (key === "include" || key === "exclude") continue;
    if (!Array.isArray(value)) return fail(`Matrix vector '${key}' must be a list`);
    if (value.length === 0) return fail(`Matrix vector '${key}' does not contain any values`);
    vectors.push([key, value]);
  }
  const include = listOf(matrix.include);
  const exclude = listOf(matrix.exclude);
  if (!include || !exclude) return fail("Matrix `include` and `exclude` must be lists of mappings");

  let originals: Leg[] = vectors.length === 0 ? [] : [{}];
  for (const [key, values] of vectors)
    originals = originals.flatMap((leg) => values.map((value) => ({ ...leg, [key]: value })));
  originals = originals.filter((leg) => !exclude.some((entry) => partialMatch(entry, leg)));

  const legs = originals.map((leg) => ({ original: leg, values: { ...leg } }));
  const added: Leg[] = [];
  for (const entry of include) {
    let extended = false;
    for (const leg of legs) {
      if (
        Object.entries(entry).every(
          ([key, value]) => !(key in leg.original) || isDeepStrictEqual(leg.original[key], value),
        )
      ) {
        Object.assign(leg.values, entry);
        extended = true;
      }
    }
    if (!extended) added.push({ ...entry });
  }
  const all = [...legs.map((leg) => leg.values), ...added];
  if (all.length > MAX_LEGS) return fail(`The matrix makes ${all.length} jobs; GitHub allows at most ${MAX_LEGS}`);
  return ok(all);
}

function partialMatch(entry: Leg, leg: Leg): boolean {
  return Object.entries(entry).every(([key, value]) => key in leg && matches(value, leg[key]));
}

/** An exclude entry's object value matches when its own keys match ("partial" all the way down). */
function matches(wanted: unknown, actual: unknown): boolean {
  if (wanted && typeof wanted === "object" && !Array.isArray(wanted) && actual && typeof actual === "object") {
    return Object.entries(wanted).every(([key, value]) => matches(value, (actual as Leg)[key]));
  }
  return isDeepStrictEqual(wanted, actual);
}

function listOf(value: unknown): Leg[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return undefined;
  return value.every((item) => item && typeof item === "object" && !Array.isArray(item)) ? (value as Leg[]) : undefined;
}
