/**
 * The `flotilla` command. Each command is listed in cli/command-registry.js and lives in
 * cli/commands; this file only dispatches, and turns every expected failure into one clear
 * message instead of a stack trace.
 */
import { existsSync } from "node:fs";
import { answerWithoutRunning, findCommand, usageError } from "./command-usage.js";
import { argumentProblem } from "./usage-error.ts";

/** Failures whose message says it all: no stack trace, exit 1. */
const EXPLAINED = new Set(["NatsServerMissing", "ConfigError", "BotApiError", "RunnerConfigError"]);

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
    if (EXPLAINED.has((error as Error).name)) {
      console.error((error as Error).message);
      return 1;
    }
    log.fatal({ err: error }, "flotilla stopped");
    console.error(`flotilla: ${(error as Error).message}`);
    return 1;
  }
}

function print(answer: { stdout?: string; stderr?: string; code: number }): number {
  if (answer.stdout !== undefined) console.log(answer.stdout);
  if (answer.stderr !== undefined) console.error(answer.stderr);
  return answer.code;
}
