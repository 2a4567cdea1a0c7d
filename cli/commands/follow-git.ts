/**
 * `flotilla follow-git URL_OR_PATH [--branch main,release/*] [--namespace N] [--results-repo URL]`
 * follows a plain git repository (docs/follow-git.md); `follow-git list`, `follow-git remove
 * URL_OR_NAME`, and `follow-git --print-hook URL_OR_NAME` prints a post-receive hook (with a
 * new hook token: the one printed before stops working).
 */
import { BotApiError, botApi, parseApiArgs } from "../api/bot-api.ts";
import { normalizeGitUrl } from "../../bot/forges/git/repo-name.ts";
import { printTable } from "../print-table.ts";
import { UsageError } from "../usage-error.ts";

interface FollowView {
  name: string;
  url: string;
  branches: string[];
  resultsRepo: string | null;
  defaultBranch: string | null;
  heads: Record<string, string>;
  hook: boolean;
}

export async function followGitCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { positionals, values } = parseApiArgs(args, {
    branch: { type: "string" },
    namespace: { type: "string" },
    "results-repo": { type: "string" },
    "print-hook": { type: "string" },
    json: { type: "boolean" },
  });
  const api = botApi(values, env, "flotilla follow-git");
  const [first, second, ...extra] = positionals;
  try {
    if (values["print-hook"] !== undefined && !first) {
      const { script } = await api.call<{ script: string }>("POST", "/api/v1/git-follows/hook", {
        repository: keyOf(values["print-hook"]),
      });
      process.stdout.write(script);
      return 0;
    }
    if (first === "list" && !second) {
      const { follows } = await api.call<{ follows: FollowView[] }>("GET", "/api/v1/git-follows");
      if (values.json) console.log(JSON.stringify(follows, null, 2));
      else
        printTable(
          ["NAME", "URL", "BRANCHES", "HEADS", "HOOK"],
          follows.map((f) => [
            f.name,
            f.url,
            f.branches.length > 0 ? f.branches.join(", ") : `${f.defaultBranch ?? "(default branch)"}`,
            String(Object.keys(f.heads).length),
            f.hook ? "yes" : "no",
          ]),
        );
      return 0;
    }
    if (first === "remove" && second && extra.length === 0) {
      const { removed } = await api.call<{ removed: string }>(
        "DELETE",
        `/api/v1/git-follows/${encodeURIComponent(keyOf(second))}`,
      );
      console.log(`${removed} is no longer followed`);
      return 0;
    }
    if (first && first !== "list" && first !== "remove" && !second) {
      const branches = (values.branch ?? "")
        .split(",")
        .map((b) => b.trim())
        .filter(Boolean);
      const saved = await api.call<FollowView>("POST", "/api/v1/git-follows", {
        url: normalizeGitUrl(first),
        branches,
        ...(values.namespace ? { namespace: values.namespace } : {}),
        ...(values["results-repo"] ? { resultsRepo: normalizeGitUrl(values["results-repo"]) } : {}),
      });
      if (values.json) console.log(JSON.stringify(saved, null, 2));
      else
        console.log(
          `following ${saved.name} (${saved.url}), ${branches.length > 0 ? `branches ${branches.join(", ")}` : `its default branch${saved.defaultBranch ? ` ${saved.defaultBranch}` : ""}`}${values.namespace ? `, in namespace ${values.namespace}` : ""}`,
        );
      return 0;
    }
  } catch (error) {
    if (!(error instanceof BotApiError)) throw error;
    console.error(error.message);
    return 1;
  }
  throw new UsageError(positionals.length === 0 ? "missing URL_OR_PATH" : `unexpected argument: ${positionals.at(-1)}`);
}

/** A name stays a name (`git.local/srv/app`); a path is made absolute, as it was when followed. */
function keyOf(given: string): string {
  return /^[^/]*[.:][^/]*\/./.test(given) && !given.startsWith(".") ? given : normalizeGitUrl(given);
}
