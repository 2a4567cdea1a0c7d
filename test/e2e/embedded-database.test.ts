/**
 * `npm start` keeps its data in PGlite: the whole push → check run path must work on it too.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { createRepo } from "../helpers/git-repo.ts";
import { INSTALLATION_ID } from "../helpers/flotilla.ts";
import { scratchDir } from "../helpers/scratch.ts";

const scratch = scratchDir("flotilla-pglite-");

const f = flotillaSuite({
  pglite: true,
  runners: [{ name: "local" }],
});

it("runs a push to completion with PGlite as the database", async () => {
  expect(f.bot.db.kind).toBe("pglite");
  const dir = join(scratch(), "repo");
  const { sha } = await createRepo(dir, {
    ".flotilla/workflows/ci.yml":
      "name: CI\non: push\njobs:\n  a:\n    runs-on: self-hosted\n    steps:\n      - run: echo one\n  b:\n    runs-on: self-hosted\n    steps:\n      - run: echo two\n",
  });
  const repo = await f.fake.addRepository({ owner: "acme", name: "embedded", dir, installationId: INSTALLATION_ID });
  await f.push(repo, sha);
  for (const name of ["a", "b"]) {
    const run = await f.fake.waitForCheckRun(name, (r) => r.run.status === "completed", { timeoutMs: 30_000 });
    expect(run.run.conclusion).toBe("success");
  }
  const status = await f.fake.waitFor(() => f.fake.statuses.find((s) => s.status.state === "success"));
  expect(status.status.context).toBe("flotilla/CI");
  const page = await fetch(String(status.status.target_url));
  expect(await page.text()).toMatch(/CI #1[\s\S]*success/);
});
