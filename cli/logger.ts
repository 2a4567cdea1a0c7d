/**
 * Structured logs with pino, one format for every line a process writes — Flotilla's and
 * Probot's, which is handed this logger: JSON lines when the output goes to a file, a pipe or
 * a journal, readable lines (pino-pretty) when a person watches a terminal. LOG_FORMAT=json or
 * pretty decides instead; a bad LOG_LEVEL or LOG_FORMAT is a configuration problem the bot's
 * and runner's checks name, so here it only falls back to the default.
 */
import { pino, type Logger } from "pino";
import { readLogSettings } from "../protocol/log-settings.ts";

export function createLogger(env: NodeJS.ProcessEnv = process.env, name = "flotilla"): Logger {
  const { level, format } = readLogSettings(env);
  const pretty = format === "pretty" || (format === undefined && process.stdout.isTTY === true);
  return pino({
    name,
    level,
    ...(pretty ? { transport: { target: "pino-pretty", options: { colorize: true, ignore: "pid,hostname" } } } : {}),
  });
}
