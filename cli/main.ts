/**
 * The `flotilla` command. Each command is listed in cli/command-registry.js and lives in
 * cli/commands; this file only dispatches, and turns every expected failure into one clear
 * message instead of a stack trace.
 */
import { existsSync } from "node:fs";
import { answerWithoutRunning, findCommand, usageError } from "./command-usage.js";
import { argumentProblem } from "./usage-error.ts";

/** Failures whose message says it all: no stack trace, exit 1. */
const EXPLAINED = new Set(["NatsServerMissing", "BotApiError", "RunnerConfigError"]);

export async function main(argv: string[]): Promise<number> {
  const answer = answerWithoutRunning(argv);
  if (answer) return print(answer);
  const { path, rest } = findCommand(argv);
  const run = path.at(-1)?.run;
  if (!run) return print(usageError(path, `unknown command: ${argv[0]}`));
  if (existsSync(".env")) (await import("dotenv")).config({ path: ".env", quiet: true });
  const { createLogger } = await import("./logger.ts");
  const log = createLogger();
  try {
    return await run(rest, { log });
  } catch (error) {
    const problem = (error as Error).name === "UsageError" ? (error as Error).message : argumentProblem(error);
    if (problem) return print(usageError(path, problem));
    const problems = configurationProblems(error);
    if (problems) {
      const name = ["flotilla", ...path.map((c) => c.name)].join(" ");
      const list = problems.map((p) => `  - ${p}`).join("\n");
      return print({ stderr: `${name}: invalid configuration:\n${list}\nSettings: docs/configuration.md`, code: 2 });
    }
    if (EXPLAINED.has((error as Error).name)) {
      console.error((error as Error).message);
      return 1;
    }
    log.fatal({ err: error }, "flotilla stopped");
    console.error(`flotilla: ${(error as Error).message}`);
    return 1;
  }
}

/**
 * The list a configuration check failed with (the bot's ConfigError, the runner's
 * RunnerConfigError: every bad variable, each named), or undefined for any other failure.
 */
function configurationProblems(error: unknown): string[] | undefined {
  const { name, problems } = error as { name?: string; problems?: unknown };
  if (name !== "ConfigError" && name !== "RunnerConfigError") return undefined;
  return Array.isArray(problems) && problems.length > 0 ? problems.map(String) : undefined;
}

function print(answer: { stdout?: string; stderr?: string; code: number }): number {
  if (answer.stdout !== undefined) console.log(answer.stdout);
  if (answer.stderr !== undefined) console.error(answer.stderr);
  return answer.code;
}
