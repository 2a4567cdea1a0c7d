/**
 * `flotilla runner register --url BOT_URL --token TOKEN --labels a,b [--namespace NAME]
 * [--name NAME] [--config FILE] [--nats URL]`: registers this machine's runner and writes its
 * config file (mode 0600) for `flotilla runner start --config FILE`.
 */
import { hostname } from "node:os";
import { defaultConfigPath, register, RUNNER_VERSION, writeConfigFile } from "../../runner/index.ts";

export interface RegisterFlags {
  url?: string;
  token?: string;
  labels?: string;
  namespace?: string;
  name?: string;
  config?: string;
  nats?: string;
}

export async function runnerRegisterCommand(flags: RegisterFlags): Promise<number> {
  if (!flags.url || !flags.token) {
    console.error(
      "usage: flotilla runner register --url BOT_URL --token TOKEN [--labels a,b] [--namespace NAME] [--name NAME] [--config FILE]",
    );
    return 2;
  }
  const path = flags.config ?? defaultConfigPath();
  const config = await register({
    botUrl: flags.url,
    token: flags.token,
    name: flags.name ?? hostname().replace(/[^A-Za-z0-9_.-]/g, "-"),
    labels: (flags.labels ?? "").split(",").filter((label) => label.trim() !== ""),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    ...(flags.nats ? { natsUrl: flags.nats } : {}),
    version: RUNNER_VERSION,
  });
  await writeConfigFile(path, config);
  console.log(
    `registered runner "${config.name}" (${config.id}) in namespace "${config.namespace}" with labels ${config.labels.join(", ")}`,
  );
  console.log(`config written to ${path}${config.natsCreds ? " (with its own NATS credential)" : ""}`);
  console.log(`start it with: flotilla runner start --config ${path}`);
  return 0;
}
