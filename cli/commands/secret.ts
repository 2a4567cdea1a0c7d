/**
 * `flotilla secret set|list|delete`: repository (`OWNER/REPO`, or one of its environments with
 * `--environment ENV`) and organisation (`OWNER`) secrets (GitLab's projects and groups with their host, `gitlab.example.com/acme/app`) through the bot's API (FLOTILLA_URL, FLOTILLA_API_TOKEN). `set` reads the value from
 * stdin — all of it, so a multi-line value (a key file) stays whole — and drops exactly one
 * trailing newline, as `gh secret set` does, so `echo value | flotilla secret set …` works.
 */
import { BotApiError, botApi, parseApiArgs } from "../api/bot-api.ts";
import { UsageError } from "../usage-error.ts";

export async function secretCommand(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  stdin: AsyncIterable<Buffer | string> = process.stdin,
): Promise<number> {
  const { positionals, values } = parseApiArgs(args, { environment: { type: "string" } });
  const [action, scope, name] = positionals;
  const wanted = action === "list" ? 2 : 3;
  if (!scope) throw new UsageError("missing OWNER[/REPO]");
  if (wanted === 3 && !name) throw new UsageError("missing NAME (the secret's)");
  if (positionals.length > wanted) throw new UsageError(`unexpected argument: ${positionals[wanted]}`);
  const path = `/api/v1/secrets/${[scope!, ...(name ? [name] : [])].map((part) => part.split("/").map(encodeURIComponent).join("/")).join("/")}${values.environment !== undefined ? `?environment=${encodeURIComponent(values.environment)}` : ""}`;
  const api = botApi(values, env, "flotilla secret");
  try {
    if (action === "list") {
      const body = await api.call<{ scope: string; secrets: { name: string; updatedAt: string }[] }>("GET", path);
      if (body.secrets.length === 0) console.log(`no secrets in ${body.scope}`);
      for (const secret of body.secrets) console.log(`${secret.name}\tupdated ${secret.updatedAt}`);
      return 0;
    }
    if (action === "delete") {
      const body = await api.call<{ scope: string; name: string }>("DELETE", path);
      console.log(`deleted ${body.name} from ${body.scope}`);
      return 0;
    }
    const value = await readAll(stdin);
    if (value === "") {
      console.error(
        'flotilla secret set: no value on stdin (e.g. `printf %s "$VALUE" | flotilla secret set OWNER/REPO NAME`)',
      );
      return 2;
    }
    const body = await api.call<{ scope: string; kind: string; name: string; outcome: string }>("PUT", path, { value });
    console.log(`${body.outcome === "created" ? "set" : "updated"} ${body.kind} secret ${body.name} for ${body.scope}`);
    return 0;
  } catch (error) {
    if (!(error instanceof BotApiError)) throw error;
    console.error(error.message);
    return error.status === 0 || error.status >= 500 ? 1 : 2;
  }
}

async function readAll(stdin: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}
