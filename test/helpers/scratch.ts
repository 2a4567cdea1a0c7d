/**
 * A suite's scratch directory: made before its first test, removed after its last (and after
 * the suite's own `afterAll`, which may still stop processes working in it: hooks after run in
 * reverse order). Call it at the top of the suite file; the function it returns gives the path.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

export function scratchDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (!dir) throw new Error(`scratch directory ${prefix}* used before the suite's beforeAll`);
    return dir;
  };
}
