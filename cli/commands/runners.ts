/**
 * `flotilla runners [--namespace NS] [--all] [--json]`: the fleet as the bot sees it — each
 * runner's namespace, labels, version, state, current job and last heartbeat.
 */
import { BotApiError, botApi, parseApiArgs } from "../api/bot-api.ts";
import type { RunnerView } from "../../bot/fleet/list-runners.ts";
import { ago } from "../../bot/fleet/runner-state.ts";
import { printTable } from "../print-table.ts";

export async function runnersCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseApiArgs(
    args,
    { namespace: { type: "string" }, all: { type: "boolean" }, json: { type: "boolean" } },
    false,
  );
  const query = new URLSearchParams();
  if (values.namespace) query.set("namespace", values.namespace);
  if (values.all) query.set("all", "true");
  let answer: { runners: RunnerView[]; now: string };
  try {
    answer = await botApi(values, env, "flotilla runners").call(
      "GET",
      `/api/v1/runners${query.size ? `?${query}` : ""}`,
    );
  } catch (error) {
    if (!(error instanceof BotApiError)) throw error;
    console.error(error.message);
    return 1;
  }
  if (values.json) {
    console.log(JSON.stringify(answer.runners, null, 2));
    return 0;
  }
  if (answer.runners.length === 0) {
    console.log(
      values.namespace
        ? `no runners in namespace ${values.namespace}`
        : "no runners yet: register one with `flotilla runner register`",
    );
    return 0;
  }
  // "Last seen" against the bot's clock, which wrote the heartbeat times.
  const now = new Date(answer.now);
  const rows = answer.runners.map((r) => [
    r.name,
    r.namespace,
    r.labels.join(","),
    r.version || "-",
    r.state,
    currentJob(r),
    ago(r.lastSeenAt ? new Date(r.lastSeenAt) : null, now),
  ]);
  printTable(["NAME", "NAMESPACE", "LABELS", "VERSION", "STATE", "CURRENT JOB", "LAST SEEN"], rows);
  return 0;
}

function currentJob(runner: RunnerView): string {
  const jobs = runner.jobs.map((j) => `${j.name} (${j.repository})`).join(", ");
  if (runner.concurrency <= 1 || runner.state === "offline" || runner.state === "removed") return jobs || "-";
  return `${runner.jobs.length}/${runner.concurrency} jobs${jobs ? `: ${jobs}` : ""}`;
}
