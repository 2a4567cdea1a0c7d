/**
 * How CLI commands talk to the bot's operator API: the bot's URL (`--url`, FLOTILLA_URL,
 * default http://localhost:3000) and its API token (`--token`, FLOTILLA_API_TOKEN).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** The options every command that calls the bot takes, for botApi. */
const API_OPTIONS = { url: { type: "string" }, token: { type: "string" } } as const;

/**
 * A command's arguments: its positionals (when it takes any) and its own options, plus `--url`
 * and `--token`. An unknown option throws (main() answers it with the usage).
 */
export function parseApiArgs<const O extends NonNullable<ParseArgsConfig["options"]>, const P extends boolean = true>(
  args: string[],
  options: O,
  allowPositionals: P = true as P,
) {
  return parseArgs({ args, allowPositionals, options: { ...options, ...API_OPTIONS } });
}

export class BotApiError extends Error {
  override name = "BotApiError";
  constructor(
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface BotApi {
  url: string;
  /** Resolves the JSON body of a 2xx answer; rejects with BotApiError naming what the bot said. */
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

export function botApi(
  options: { url?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
  command = "flotilla",
): BotApi {
  const url = (options.url ?? env.FLOTILLA_URL ?? "http://localhost:3000").replace(/\/+$/, "");
  const token = options.token ?? env.FLOTILLA_API_TOKEN;
  return {
    url,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      if (!token)
        throw new BotApiError(
          `${command} needs the bot's API token: set FLOTILLA_API_TOKEN (the same value the bot has) or pass --token`,
          0,
        );
      let response: Response;
      try {
        response = await fetch(`${url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        throw new BotApiError(`cannot reach the bot at ${url}: ${(error as Error).message}`, 0);
      }
      const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok)
        throw new BotApiError(
          `${command}: ${typeof json.error === "string" ? json.error : `the bot answered ${response.status}`}`,
          response.status,
          json,
        );
      return json as T;
    },
  };
}

/** A command's exit code for what the bot refused (its message on stderr); anything else is thrown on. */
export function apiFailed(error: unknown): number {
  if (!(error instanceof BotApiError)) throw error;
  console.error(error.message);
  return 1;
}
