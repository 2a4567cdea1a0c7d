/**
 * `flotilla dev` (npm start) without FLOTILLA_SECRETS_KEY: a key generated once and kept in the
 * data directory (`secrets.key`, mode 0600), so secrets work out of the box on one machine and
 * survive restarts. Lose the file and the stored secrets are lost with it (set them again).
 */
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateSecretsKey, parseSecretsKey, type SecretsKey } from "./crypto.ts";

export async function localSecretsKey(dataDir: string): Promise<{ key: SecretsKey; path: string; created: boolean }> {
  const path = join(dataDir, "secrets.key");
  let text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  const created = text === undefined;
  if (text === undefined) {
    await mkdir(dataDir, { recursive: true });
    text = generateSecretsKey();
    // `wx`: two processes starting at once cannot both write a key and keep different ones.
    await writeFile(path, `${text}\n`, { mode: 0o600, flag: "wx" }).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
      text = await readFile(path, "utf8");
    });
    await chmod(path, 0o600);
  }
  const parsed = parseSecretsKey(text);
  if (!parsed.ok)
    throw new Error(`${path}: ${parsed.reason} (delete it to have a new key made, then set the secrets again)`);
  return { key: parsed.value, path, created };
}
