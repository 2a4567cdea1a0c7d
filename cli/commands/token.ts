/**
 * `flotilla token create [--namespace NAME] [--expires 1h]`: a one-time registration token,
 * made by the bot (FLOTILLA_URL, FLOTILLA_API_TOKEN). Only the token goes to stdout, so
 * scripts can take it: `TOKEN=$(flotilla token create --namespace arm-lab)`.
 */
import { botApi, parseApiArgs } from "../api/bot-api.ts";

/** `args`: those after `token create`. */
export async function tokenCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseApiArgs(args, { namespace: { type: "string" }, expires: { type: "string" } }, false);
  const api = botApi(values, env, "flotilla token create");
  const created = await api.call<{ token: string; namespace: string; expiresAt: string }>(
    "POST",
    "/api/v1/runner-tokens",
    {
      namespace: values.namespace ?? "default",
      ...(values.expires ? { expires: values.expires } : {}),
    },
  );
  console.log(created.token);
  console.error(
    `registration token for namespace "${created.namespace}", good for one runner until ${created.expiresAt}`,
  );
  console.error(`register a runner with: flotilla runner register --url ${api.url} --token <token> --labels …`);
  return 0;
}
