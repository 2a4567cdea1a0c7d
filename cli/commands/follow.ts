/**
 * `flotilla follow HOST/OWNER/REPO [--namespace N] [--branches main,release/*] [--upstream NAME]`:
 * downstream follows a repository an upstream Flotilla publishes (docs/federation.md); its
 * pushes run in namespace N (or the namespaces whose globs take the name) on this side's runners.
 */
import { apiFailed, botApi, parseApiArgs } from "../api/bot-api.ts";
import { UsageError } from "../usage-error.ts";

export async function followCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { positionals, values } = parseApiArgs(args, {
    namespace: { type: "string" },
    branches: { type: "string" },
    upstream: { type: "string" },
  });
  const [repository, ...extra] = positionals;
  if (!repository || extra.length > 0) throw new UsageError("one HOST/OWNER/REPO expected");
  const branches = (values.branches ?? "")
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  try {
    const { result } = await botApi(values, env, "flotilla follow").call<{ result: string }>(
      "POST",
      "/api/v1/federation/follows",
      { repository, namespace: values.namespace, branches, upstream: values.upstream },
    );
    process.stdout.write(
      `following ${result}${values.namespace ? ` in namespace ${values.namespace}` : ""}${branches.length ? ` (branches ${branches.join(", ")})` : ""}\n`,
    );
    return 0;
  } catch (error) {
    return apiFailed(error);
  }
}
