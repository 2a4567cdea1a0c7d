/**
 * `jobs.<id>.environment` as the job's summary shows it: the name the bot decided, and the
 * `url` evaluated when the job ends, as GitHub evaluates it (it may read `steps` outputs, e.g.
 * the address a deploy step printed). Flotilla has no deployments to attach it to: the summary
 * is where a user sees it.
 */
import { ExpressionError, interpolate } from "../../protocol/expressions/index.ts";
import type { JobMessage } from "../../protocol/messages.ts";
import type { LogStreamer } from "../report/log-streamer.ts";
import type { StepScope } from "./job-prepare.ts";

export async function environmentSummary(job: JobMessage, scope: StepScope, jobLog: LogStreamer): Promise<string> {
  const environment = job.environment;
  if (!environment?.name) return "";
  let url = "";
  if (environment.url !== undefined) {
    try {
      url = await scope.hashFiles.settle(() => interpolate(environment.url!, scope.contexts, scope.functions));
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      jobLog.line(`##[warning]Error evaluating 'environment.url': ${error.message}`);
    }
  }
  const line = `Environment: **${environment.name}**${url ? ` — ${jobLog.mask(url)}` : ""}`;
  jobLog.line(line.replaceAll("**", ""));
  return `${line}\n`;
}
