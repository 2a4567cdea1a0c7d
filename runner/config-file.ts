/**
 * The file `flotilla runner register` writes and `flotilla runner start --config` reads: the
 * runner's identity and its NATS credential. Mode 0600: the nkey seed in it is the runner's
 * password.
 */
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { RunnerConfigInput } from "./config.ts";

export const RunnerConfigFile = z.object({
  version: z.literal(1),
  id: z.string().uuid(),
  name: z.string(),
  namespace: z.string(),
  labels: z.array(z.string()),
  /** Labels a job must ask for before this runner takes it (`--exclusive-labels`). */
  exclusiveLabels: z.array(z.string()).default([]),
  natsUrl: z.string(),
  natsPrefix: z.string(),
  /** `.creds` text (user JWT and nkey seed); absent for a server without per-runner credentials. */
  natsCreds: z.string().optional(),
  botUrl: z.string().optional(),
});
export type RunnerConfigFile = z.infer<typeof RunnerConfigFile>;

export function defaultConfigPath(): string {
  return join(homedir() || ".", ".flotilla", "runner.json");
}

export async function writeConfigFile(path: string, config: RunnerConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // writeFile keeps the mode of a file that already existed.
  await chmod(path, 0o600);
}

class ConfigFileError extends Error {
  override name = "RunnerConfigError";
}

export async function readConfigFile(path: string): Promise<RunnerConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigFileError(
      `cannot read the runner's config file ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist (register first: flotilla runner register --url … --token …)" : (error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigFileError(`${path} is not JSON: was it written by \`flotilla runner register\`?`);
  }
  const parsed = RunnerConfigFile.safeParse(json);
  if (!parsed.success)
    throw new ConfigFileError(
      `${path}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

/** The file's settings as runner options (flags given on the command line still win). */
export function configFileOptions(file: RunnerConfigFile): Partial<RunnerConfigInput> {
  return {
    id: file.id,
    name: file.name,
    namespace: file.namespace,
    labels: file.labels,
    exclusiveLabels: file.exclusiveLabels,
    natsUrl: file.natsUrl,
    natsPrefix: file.natsPrefix,
    ...(file.natsCreds ? { natsCreds: file.natsCreds } : {}),
  };
}
