/**
 * `flotilla runner install-service [--user|--system] [--config FILE] [--dry-run]`: writes the
 * systemd unit for this machine's registered runner and prints the `systemctl` commands that
 * enable it — it runs none of them, so nothing starts behind the operator's back.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { configFileOptions, defaultConfigPath, readConfigFile, readRunnerConfig } from "../../runner/index.ts";
import { runnerUnit } from "../systemd-unit.ts";
import { UsageError } from "../usage-error.ts";

const UNIT_NAME = "flotilla-runner";
// The launcher, not this file's own tree: built, this file is dist/cli/commands/ (one level deeper).
const FLOTILLA = fileURLToPath(
  new URL(
    import.meta.url.includes("/dist/cli/") ? "../../../bin/flotilla.js" : "../../bin/flotilla.js",
    import.meta.url,
  ),
);

/**
 * What the unit carries from this environment, for the runner to behave as it would here: the
 * PATH its steps find their tools on, and its own settings. Not the bot's API token or other
 * secrets: a unit file is readable by every user.
 */
const CARRIED = /^(PATH|LOG_LEVEL|FLOTILLA_RUNNER_(?!CONFIG$).*)$/;

export async function installServiceCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      user: { type: "boolean" },
      system: { type: "boolean" },
      config: { type: "string" },
      "dry-run": { type: "boolean" },
    },
  });
  if (values.user && values.system) throw new UsageError("--user and --system: one or the other");
  const system = values.system === true;
  const config = resolve(values.config ?? env.FLOTILLA_RUNNER_CONFIG ?? defaultConfigPath());
  // Read as `runner start` will: a file it would refuse makes no unit.
  const file = await readConfigFile(config);
  const runner = readRunnerConfig(env, configFileOptions(file));
  const environment = Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => CARRIED.test(entry[0]) && entry[1] !== undefined && entry[1] !== "",
    ),
  );
  const unit = runnerUnit({
    node: process.execPath,
    flotilla: FLOTILLA,
    config,
    workingDirectory: dirname(config),
    description: `Flotilla runner ${file.name} (namespace ${file.namespace})`,
    drainGraceMs: runner.drainGraceMs,
    ...(system ? { user: env.SUDO_USER || userInfo().username } : {}),
    environment,
  });
  if (values["dry-run"]) {
    process.stdout.write(unit);
    return 0;
  }
  const path = system
    ? join("/etc/systemd/system", `${UNIT_NAME}.service`)
    : join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "systemd", "user", `${UNIT_NAME}.service`);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, unit);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    console.error(
      `flotilla runner install-service: cannot write ${path}: ${(error as Error).message}${code === "EACCES" || code === "EPERM" ? `\n  as root: flotilla runner install-service --system --config ${config} --dry-run | sudo tee ${path}` : ""}`,
    );
    return 1;
  }
  const systemctl = system ? "sudo systemctl" : "systemctl --user";
  console.log(`wrote ${path} (runner "${file.name}", config ${config})`);
  console.log("enable and start it with:");
  console.log(`  ${systemctl} daemon-reload`);
  console.log(`  ${systemctl} enable --now ${UNIT_NAME}`);
  if (!system) console.log(`  loginctl enable-linger ${userInfo().username}   # keep it running when you log out`);
  console.log(`follow its log: journalctl ${system ? "" : "--user "}-u ${UNIT_NAME} -f`);
  return 0;
}
