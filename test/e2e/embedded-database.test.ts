/**
 * `npm start` keeps its data in PGlite: the whole push → check run path must work on it too.
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRepo } from "../helpers/git-repo.ts";
import { INSTALLATION_ID, startFlotilla, type Flotilla } from "../helpers/flotilla.ts";
import { pushPayload } from "../helpers/webhooks.ts";
import { scratchDir } from "../helpers/scratch.ts";

let f: Flotilla;
const scratch = scratchDir("flotilla-pglite-");

beforeAll(async () => {
  f = await startFlotilla({ pglite: true });
  await f.startRunner({ name: "local" });
});

afterAll(async () => {
  await f?.close();
});

it("runs a push to completion with PGlite as the database", async () => {
  expect(f.bot.db.kind).toBe("pglite");
  const dir = join(scratch(), "repo");
  const { sha } = await createRepo(dir, {
    ".flotilla/workflows/ci.yml":
      "name: CI\non: push\njobs:\n  a:\n    runs-on: self-hosted\n    steps:\n      - run: echo one\n  b:\n    runs-on: self-hosted\n    steps:\n      - run: echo two\n",
  });
  const repo = await f.fake.addRepository({ owner: "acme", name: "embedded", dir, installationId: INSTALLATION_ID });
  expect((await f.deliver("push", pushPayload(repo, { sha, installationId: INSTALLATION_ID }))).status).toBe(202);
  for (const name of ["a", "b"]) {
    const run = await f.fake.waitForCheckRun(name, (r) => r.run.status === "completed", { timeoutMs: 30_000 });
    expect(run.run.conclusion).toBe("success");
  }
  const status = await f.fake.waitFor(() => f.fake.statuses.find((s) => s.status.state === "success"));
  expect(status.status.context).toBe("flotilla/CI");
  const page = await fetch(String(status.status.target_url));
  expect(await page.text()).toMatch(/CI #1[\s\S]*success/);
});
