/**
 * `flotilla namespace list | set NAME [--follows 'owner/*,other/repo'] [--alias L=a,b]… [--priority RULES]
 * [--weights RULES] | remove NAME`:
 * the namespaces that run jobs, which repositories each follows (empty: every repository), and
 * the GitHub-hosted labels each maps onto its runners (`--alias 'ubuntu-latest=linux,x64'`).
 */
import { BotApiError, botApi, parseApiArgs } from "../api/bot-api.ts";
import { NAMESPACE_PATTERN } from "../../protocol/names.ts";
import { printTable } from "../print-table.ts";
import { parseAlias } from "../../bot/fleet/label-aliases.ts";
import { parsePriorityRules, parseWeights } from "../../bot/scheduler/scheduling-rules.ts";
import { UsageError } from "../usage-error.ts";

interface NamespaceView {
  name: string;
  follows: string[];
  aliases?: Record<string, string[]>;
  priority?: string;
  weights?: string;
  runners: number;
}

export async function namespaceCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { positionals, values } = parseApiArgs(args, {
    follows: { type: "string" },
    alias: { type: "string", multiple: true },
    priority: { type: "string" },
    weights: { type: "string" },
    json: { type: "boolean" },
  });
  const [action, name, ...extra] = positionals;
  const api = botApi(values, env, "flotilla namespace");
  if (name && !NAMESPACE_PATTERN.test(name)) {
    console.error(`flotilla namespace: namespace "${name}" may only hold letters, digits, '-' and '_' (at most 64)`);
    return 2;
  }
  try {
    if (action === "list" && !name) {
      const { namespaces } = await api.call<{ namespaces: NamespaceView[] }>("GET", "/api/v1/namespaces");
      if (values.json) console.log(JSON.stringify(namespaces, null, 2));
      else
        printTable(
          ["NAME", "RUNNERS", "FOLLOWS"],
          namespaces.map((n) => [n.name, String(n.runners), followsText(n.follows)]),
        );
      return 0;
    }
    if (action === "set" && name && extra.length === 0) {
      const follows = (values.follows ?? "")
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean);
      const aliases: Record<string, string[]> = {};
      for (const text of (values.alias as string[] | undefined) ?? []) {
        const parsed = parseAlias(text);
        if (!parsed.ok) throw new UsageError(parsed.reason);
        aliases[parsed.value[0]] = parsed.value[1];
      }
      for (const [flag, parse] of [
        ["priority", parsePriorityRules],
        ["weights", parseWeights],
      ] as const) {
        const text = values[flag];
        const parsed = text === undefined ? undefined : parse(text);
        if (parsed && !parsed.ok) throw new UsageError(`--${flag}: ${parsed.reason}`);
      }
      const saved = await api.call<NamespaceView>("PUT", `/api/v1/namespaces/${encodeURIComponent(name)}`, {
        follows,
        aliases,
        ...(values.priority !== undefined ? { priority: values.priority } : {}),
        ...(values.weights !== undefined ? { weights: values.weights } : {}),
      });
      const mapped = Object.entries(saved.aliases ?? {}).map(([label, to]) => `${label} → ${to.join(", ")}`);
      console.log(
        values.json
          ? JSON.stringify(saved, null, 2)
          : `namespace ${saved.name} follows ${followsText(saved.follows)}${mapped.length > 0 ? `; runs ${mapped.join("; ")}` : ""}${saved.priority ? `; priority ${saved.priority}` : ""}${saved.weights ? `; weights ${saved.weights}` : ""}`,
      );
      return 0;
    }
    if (action === "remove" && name && extra.length === 0) {
      await api.call("DELETE", `/api/v1/namespaces/${encodeURIComponent(name)}`);
      console.log(`namespace ${name} removed`);
      return 0;
    }
  } catch (error) {
    if (!(error instanceof BotApiError)) throw error;
    console.error(error.message);
    return 1;
  }
  if (action !== "list" && !name) throw new UsageError("missing NAME");
  throw new UsageError(`unexpected argument: ${action === "list" ? name : extra[0]}`);
}

function followsText(follows: string[]): string {
  return follows.length === 0 ? "every repository" : follows.join(", ");
}
