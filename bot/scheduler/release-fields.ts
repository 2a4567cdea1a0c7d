/**
 * What is decided about a job when it is released: a refused job's failure, and the fields
 * that read `needs` (DeferredFields) — `runs-on` (through the namespace's label aliases),
 * `timeout-minutes`, `continue-on-error`, `concurrency` and the environment's name — with the
 * job-level contexts GitHub gives them then (`github`, `inputs`, `vars`, `needs`, `matrix`,
 * `strategy`). The decision is written to the job's row (the deferred fields gone from its
 * spec), so a later pass or a republish uses it as decided.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { jobs, namespaces, type JobSpec } from "../../db/schema.ts";
import { booleanField, numberField } from "../../protocol/expressions/index.ts";
import { applyAliases } from "../fleet/label-aliases.ts";
import type { JobRow } from "../runs/rows.ts";
import { asString, evaluateTemplate } from "../workflows/evaluate-template.ts";
import { evaluateGroup } from "../workflows/concurrency-group.ts";
import { labels } from "../workflows/plan-fields.ts";

/** Why a job does not run although its `if` said it should: shown as its failed check run. */
export interface Unrunnable {
  title: string;
  summary: string;
}

/**
 * Decides the job's deferred fields (updating `row` and its stored row); returns why it cannot
 * run instead when it is refused or a field cannot be evaluated.
 */
export async function decideAtRelease(
  db: Db,
  row: JobRow,
  contexts: Record<string, unknown>,
): Promise<Unrunnable | undefined> {
  const spec = row.spec;
  if (!spec) return undefined;
  if (spec.refusal) return { title: spec.refusal.split("\n")[0]!, summary: spec.refusal };
  const { deferred, ...decided } = spec;
  if (!deferred) return undefined;
  const update: Partial<typeof jobs.$inferInsert> = {};
  try {
    if (deferred.runsOn) {
      const written = deferred.runsOn.flatMap((label) => labels(label, contexts, new Set()));
      decided.labels = written;
      update.labels = applyAliases(written, await aliasesOf(db, row.namespace));
    }
    if (deferred.timeoutMinutes !== undefined)
      decided.timeoutMinutes = named("timeout-minutes", `\${{ ${deferred.timeoutMinutes} }}`, () =>
        numberField(deferred.timeoutMinutes!, contexts),
      );
    if (deferred.continueOnError !== undefined)
      update.continueOnError = named("continue-on-error", `\${{ ${deferred.continueOnError} }}`, () =>
        booleanField(deferred.continueOnError!, contexts),
      );
    if (deferred.concurrency) {
      const group = named("concurrency", deferred.concurrency.group, () =>
        evaluateGroup(deferred.concurrency, contexts),
      );
      update.concurrencyGroup = group?.group ?? null;
      update.concurrencyCancel = group?.cancelInProgress ?? false;
    }
    if (deferred.environmentName !== undefined && decided.environment)
      decided.environment = {
        ...decided.environment,
        name: named("environment", deferred.environmentName, () =>
          asString(evaluateTemplate(deferred.environmentName!, contexts)),
        ),
      };
  } catch (error) {
    const message = (error as Error).message;
    return { title: "A field of the job could not be evaluated", summary: message };
  }
  const stored: JobSpec = decided;
  await db
    .update(jobs)
    .set({ ...update, spec: stored })
    .where(eq(jobs.id, row.id));
  Object.assign(row, update, { spec: stored });
  return undefined;
}

async function aliasesOf(db: Db, namespace: string): Promise<Record<string, string[]>> {
  const [found] = await db
    .select({ aliases: namespaces.aliases })
    .from(namespaces)
    .where(eq(namespaces.name, namespace));
  return found?.aliases ?? {};
}

function named<T>(field: string, expression: string, evaluateIt: () => T): T {
  try {
    return evaluateIt();
  } catch (error) {
    throw new Error(`${field} "${expression}" cannot be evaluated: ${(error as Error).message}`, { cause: error });
  }
}
