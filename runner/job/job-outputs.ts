/**
 * The job's `outputs:` evaluated once its steps are done. As on GitHub, an output that
 * would carry a masked value is dropped with a warning rather than published
 * (https://docs.github.com/actions/using-jobs/defining-outputs-for-jobs).
 */
import {
  ExpressionError,
  interpolate,
  type Contexts,
  type ExpressionFunctions,
} from "../../protocol/expressions/index.ts";
import type { HashFilesResolver } from "../expressions/hash-files.ts";
import type { LogStreamer } from "../report/log-streamer.ts";

export async function evaluateJobOutputs(
  templates: Record<string, string>,
  contexts: Contexts,
  functions: ExpressionFunctions,
  hashFiles: HashFilesResolver,
  jobLog: LogStreamer,
): Promise<Record<string, string>> {
  const outputs: Record<string, string> = {};
  for (const [name, template] of Object.entries(templates)) {
    let value: string;
    try {
      value = await hashFiles.settle(() => interpolate(template, contexts, functions));
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      // GitHub fails the job for this; the steps are done, so a warning and no output is the honest report.
      jobLog.line(`##[warning]Error evaluating output '${name}': ${error.message}`);
      continue;
    }
    if (jobLog.mask(value) !== value) {
      jobLog.line(`##[warning]Skip output '${name}' since it may contain secret.`);
      continue;
    }
    outputs[name] = value;
  }
  return outputs;
}
