/**
 * `flotilla runner register --url BOT_URL --token TOKEN --labels a,b [--namespace NAME]
 * [--exclusive-labels gpu] [--name NAME] [--config FILE] [--nats URL]`: registers this machine's runner and writes its
 * config file (mode 0600) for `flotilla runner start --config FILE`.
 */
import { hostname } from "node:os";
import { defaultConfigPath, register, RUNNER_VERSION, writeConfigFile } from "../../runner/index.ts";
import { parseApiArgs } from "../api/bot-api.ts";
import { UsageError } from "../usage-error.ts";

export async function runnerRegisterCommand(args: string[]): Promise<number> {
  const { values: flags } = parseApiArgs(
    args,
    {
      labels: { type: "string" },
      "exclusive-labels": { type: "string" },
      namespace: { type: "string" },
      name: { type: "string" },
      config: { type: "string" },
      nats: { type: "string" },
    },
    false,
  );
  if (!flags.url) throw new UsageError("missing --url BOT_URL (the bot's address)");
  if (!flags.token) throw new UsageError("missing --token TOKEN (from `flotilla token create`)");
  const path = flags.config ?? defaultConfigPath();
  const config = await register({
    botUrl: flags.url,
    token: flags.token,
    name: flags.name ?? hostname().replace(/[^A-Za-z0-9_.-]/g, "-"),
    labels: labelFlag(flags.labels),
    exclusiveLabels: labelFlag(flags["exclusive-labels"]),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    ...(flags.nats ? { natsUrl: flags.nats } : {}),
    version: RUNNER_VERSION,
  });
  await writeConfigFile(path, config);
  const exclusive =
    config.exclusiveLabels.length > 0 ? ` (only jobs asking for ${config.exclusiveLabels.join(", ")})` : "";
  console.log(
    `registered runner "${config.name}" (${config.id}) in namespace "${config.namespace}" with labels ${config.labels.join(", ")}${exclusive}`,
  );
  console.log(`config written to ${path}${config.natsCreds ? " (with its own NATS credential)" : ""}`);
  console.log(`start it with: flotilla runner start --config ${path}`);
  return 0;
}

function labelFlag(value: string | undefined): string[] {
  return (value ?? "").split(",").filter((label) => label.trim() !== "");
}
