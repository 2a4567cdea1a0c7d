import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { localSecretsKey } from "../../../bot/secrets/local-key.ts";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("npm start's own secrets key", () => {
  it("is made once under the data directory, readable by its owner only, and kept across restarts", async () => {
    dir = await mkdtemp(join(tmpdir(), "flotilla-key-"));
    const data = join(dir, ".data");
    const first = await localSecretsKey(data);
    expect(first.created).toBe(true);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    const again = await localSecretsKey(data);
    expect(again).toMatchObject({ created: false, path: join(data, "secrets.key") });
    expect(again.key.id).toBe(first.key.id);
    expect((await readFile(first.path, "utf8")).trim()).toHaveLength(44);
  });

  it("names the file when it holds no key", async () => {
    dir = await mkdtemp(join(tmpdir(), "flotilla-key-"));
    await writeFile(join(dir, "secrets.key"), "garbage\n");
    await expect(localSecretsKey(dir)).rejects.toThrow(`${join(dir, "secrets.key")}: must be 32 bytes as base64`);
  });
});
