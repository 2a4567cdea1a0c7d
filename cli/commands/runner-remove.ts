/**
 * `flotilla runner remove NAME`: the bot revokes the runner's credential; it can take no job
 * and report no result from that moment.
 */
import { botApi, parseApiArgs } from "../api/bot-api.ts";
import { UsageError } from "../usage-error.ts";

export async function runnerRemoveCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { positionals, values } = parseApiArgs(args, {});
  const [name, extra] = positionals;
  if (!name) throw new UsageError("missing NAME (the runner's, as `flotilla runners` lists it)");
  if (extra !== undefined) throw new UsageError(`unexpected argument: ${extra}`);
  const api = botApi(values, env, "flotilla runner remove");
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
