/**
 * Secrets of a job in a called (reusable) workflow. Its `secrets` are what its caller passed:
 * `secrets: inherit` passes the caller's own, a map passes templates evaluated with the
 * caller's `secrets`. The bot never evaluates those with real values at plan time (the job
 * message sits on disk in JetStream): it keeps the chain of `secrets:` the job is inside,
 * outermost first, and applies it to the repository's stored secrets when the runner asks.
 *
 * Only the `secrets` context is known then; a mapping that also reads another context
 * (`${{ github.ref == 'x' && secrets.A }}`) keeps the value it had at plan time, where
 * `secrets` were empty.
 */
import { asString, evaluateTemplate, hasTemplate } from "../workflows/evaluate-template.ts";

/** One call's `secrets:` as written: a map of templates, or `inherit`. */
export type SecretMapping = Record<string, string> | "inherit";

export function applySecretChain(
  stored: Record<string, string>,
  chain: readonly SecretMapping[],
): Record<string, string> {
  let secrets = stored;
  for (const mapping of chain) {
    if (mapping === "inherit") continue;
    const passed: Record<string, string> = {};
    for (const [name, written] of Object.entries(mapping)) {
      if (!hasTemplate(written)) {
        passed[name] = written;
        continue;
      }
      try {
        passed[name] = asString(
          evaluateTemplate(
            written,
            { secrets },
            new Set(["github", "vars", "inputs", "matrix", "strategy", "needs", "env", "job", "steps", "runner"]),
          ),
        );
      } catch {
        // Reads another context: the plan-time value in the job message stands.
      }
    }
    secrets = passed;
  }
  return secrets;
}
