/**
 * `flotilla runner remove NAME`: the bot revokes the runner's credential; it can take no job
 * and report no result from that moment.
 */
import { botApi } from "../api/bot-api.ts";

export async function runnerRemoveCommand(
  name: string | undefined,
  flags: { url?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (!name) {
    console.error("usage: flotilla runner remove NAME [--url BOT_URL]");
    return 2;
  }
  const api = botApi(flags, env, "flotilla runner remove");
  const { removed } = await api.call<{ removed: { id: string; name: string; namespace: string }[] }>(
    "DELETE",
    `/api/v1/runners/${encodeURIComponent(name)}`,
  );
  for (const runner of removed)
    console.log(
      `removed runner "${runner.name}" (${runner.id}) of namespace "${runner.namespace}": its credential is revoked`,
    );
  return 0;
}
