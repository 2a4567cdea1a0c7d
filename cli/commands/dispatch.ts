/**
 * `flotilla dispatch OWNER/REPO WORKFLOW --ref REF [--input k=v]…`: starts a workflow that has a
 * `workflow_dispatch` trigger, through the bot's API (FLOTILLA_URL, FLOTILLA_API_TOKEN).
 */
import { parseApiArgs } from "../api/bot-api.ts";
import { UsageError } from "../usage-error.ts";

export async function dispatchCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { positionals, values } = parseApiArgs(args, {
    ref: { type: "string" },
    input: { type: "string", multiple: true, default: [] },
  });
  const [repository, workflow, extra] = positionals;
  if (!repository) throw new UsageError("missing OWNER/REPO");
  if (!workflow) throw new UsageError("missing WORKFLOW (its file name, e.g. deploy.yml)");
  if (extra !== undefined) throw new UsageError(`unexpected argument: ${extra}`);
  if (!values.ref) throw new UsageError("missing --ref REF");
  const inputs: Record<string, string> = {};
  for (const pair of values.input) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--input ${pair}: expected name=value`);
    inputs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const url = (values.url ?? env.FLOTILLA_URL ?? "http://localhost:3000").replace(/\/+$/, "");
  const token = values.token ?? env.FLOTILLA_API_TOKEN;
  if (!token) {
    console.error("flotilla dispatch needs the bot's API token: set FLOTILLA_API_TOKEN (the same value the bot has)");
    return 2;
  }
  let response: Response;
  try {
    response = await fetch(`${url}/api/v1/dispatch`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ repository, workflow, ref: values.ref, inputs, actor: env.USER ?? "flotilla" }),
    });
  } catch (error) {
    console.error(`cannot reach the bot at ${url}: ${(error as Error).message}`);
    return 1;
  }
  const body = (await response.json().catch(() => ({}))) as {
    error?: string;
    problems?: unknown[];
    workflow?: string;
    ref?: string;
    sha?: string;
    delivery?: string;
  };
  if (response.status !== 202) {
    console.error(`flotilla dispatch: ${body.error ?? `the bot answered ${response.status}`}`);
    for (const problem of body.problems ?? [])
      console.error(`  ${typeof problem === "string" ? problem : JSON.stringify(problem)}`);
    return 1;
  }
  console.log(
    `dispatched ${body.workflow} on ${repository} at ${body.ref} (${body.sha?.slice(0, 12)}): delivery ${body.delivery}`,
  );
  return 0;
}
