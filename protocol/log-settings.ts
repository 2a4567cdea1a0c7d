/**
 * LOG_LEVEL and LOG_FORMAT, which every Flotilla process reads — the bot, the runner, the CLI
 * — so each configuration check names a bad one with its other problems, and the logger never
 * meets a level pino would throw on.
 */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
const LOG_FORMATS = ["json", "pretty"] as const;

type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogSettings {
  level: LogLevel;
  /** Unset: pretty on a terminal, JSON lines otherwise. */
  format: (typeof LOG_FORMATS)[number] | undefined;
  /** What is wrong with them, one line per variable; the settings above fall back to defaults. */
  problems: string[];
}

export function readLogSettings(env: NodeJS.ProcessEnv = process.env): LogSettings {
  const problems: string[] = [];
  const level = oneOf(env.LOG_LEVEL || "info", LOG_LEVELS);
  if (!level) problems.push(`LOG_LEVEL: "${env.LOG_LEVEL}" is not one of ${LOG_LEVELS.join(", ")}`);
  const format = env.LOG_FORMAT ? oneOf(env.LOG_FORMAT, LOG_FORMATS) : undefined;
  if (env.LOG_FORMAT && !format) problems.push(`LOG_FORMAT: "${env.LOG_FORMAT}" is not json or pretty`);
  return { level: level ?? "info", format, problems };
}

function oneOf<const T extends readonly string[]>(value: string, choices: T): T[number] | undefined {
  return choices.includes(value) ? (value as T[number]) : undefined;
}
