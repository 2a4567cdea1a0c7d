/**
 * Which secrets a job uses, read from its templates when the run is planned: the runner asks
 * for exactly these (none: it does not ask), and the bot hands out no others. A job that uses
 * the whole `secrets` context (`toJSON(secrets)`, `secrets[matrix.name]`) is given all of them
 * (ALL_SECRETS) — as on GitHub, where every secret is in that context.
 */
import type { JobMessage } from "../../protocol/messages.ts";

/** In `secretNames`: the job reads the `secrets` context as a whole. Never a secret's name (`*` is not allowed in one). */
export const ALL_SECRETS = "*";

type JobTemplates = Pick<JobMessage, "steps" | "env" | "outputs" | "defaults">;

export function neededSecretNames(job: JobTemplates): string[] {
  const names = new Set<string>();
  let all = false;
  const visit = (value: unknown, key?: string): void => {
    if (typeof value === "string") {
      for (const expression of expressionsIn(value, key === "if")) {
        const found = secretsIn(expression);
        if (found === "all") all = true;
        else for (const name of found) names.add(name);
      }
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit({ steps: job.steps, env: job.env, outputs: job.outputs, defaults: job.defaults });
  return all ? [ALL_SECRETS] : [...names].sort();
}

/** The `${{ }}` expressions of a text; an `if` without them is one expression as a whole. */
function expressionsIn(text: string, isCondition: boolean): string[] {
  const found = [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1] ?? "");
  return found.length === 0 && isCondition ? [text] : found;
}

/** The secret names one expression reads, or "all" when it reads the context itself. */
export function secretsIn(expression: string): string[] | "all" {
  // String literals out of the way first (`'secrets'` is not the context), kept by index for `secrets['NAME']`.
  const literals: string[] = [];
  const code = expression.replace(
    /'((?:[^']|'')*)'/g,
    (_m, body: string) => `\u0000${literals.push(body.replaceAll("''", "'")) - 1}\u0000`,
  );
  const names: string[] = [];
  for (const match of code.matchAll(/(?<![\w.-])secrets\b(?![\w-])/gi)) {
    const rest = code.slice((match.index ?? 0) + match[0].length);
    const dotted = /^\s*\.\s*([A-Za-z_][\w-]*)/.exec(rest);
    const indexed = /^\s*\[\s*\u0000(\d+)\u0000\s*\]/.exec(rest);
    if (dotted?.[1]) names.push(dotted[1].toUpperCase());
    else if (indexed?.[1]) names.push((literals[Number(indexed[1])] ?? "").toUpperCase());
    else return "all";
  }
  return names;
}
