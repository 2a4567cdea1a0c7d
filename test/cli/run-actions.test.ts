/**
 * Remote actions under `flotilla run`: fetched from FLOTILLA_ACTIONS_URL when it is set, kept
 * in the user's cache between runs (a second run fetches nothing, and still runs when the
 * server cannot be reached), and a server that cannot be reached is named as such — never
 * as a repository that does not exist.
 */
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/free-port.ts";
import { createRepo, git } from "../helpers/git-repo.ts";
import { runSuite, summaryRows } from "./flotilla-run.ts";

const { repo, flotillaRun, scratch } = runSuite("flotilla-run-actions-");

const GREET = `on: push
jobs:
  greet:
    runs-on: self-hosted
    steps:
      - uses: acme/hello@v1
        with:
          who: world
`;

let server: string;
beforeAll(async () => {
  server = join(scratch(), "actions-server");
  const dir = join(server, "acme", "hello.git");
  await mkdir(dir, { recursive: true });
  await createRepo(dir, {
    "action.yml": "name: hello\ninputs:\n  who:\n    required: true\nruns:\n  using: node20\n  main: index.js\n",
    "index.js": 'console.log(`hello, ${process.env["INPUT_WHO"]}, from the action`);\n',
  });
  await git(dir, ["tag", "v1"]);
});

describe("flotilla run: remote actions", () => {
  it("keeps fetched actions for the next run, which fetches nothing and runs with the server unreachable", async () => {
    const dir = await repo({ ".flotilla/workflows/greet.yml": GREET });
    const url = `file://${server}`;
    const first = await flotillaRun(dir, [], { FLOTILLA_ACTIONS_URL: url });
    expect(first.exitCode, first.all).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`\\[greet\\] Download action repository 'acme/hello@v1' \\(SHA:[0-9a-f]{40}\\) from ${url}\\n`),
    );
    expect(first.stdout).toContain("[greet] hello, world, from the action");

    const second = await flotillaRun(dir, [], { FLOTILLA_ACTIONS_URL: url });
    expect(second.exitCode, second.all).toBe(0);
    expect(second.stdout).toMatch(/\[greet\] Using cached action repository 'acme\/hello@v1' \(SHA:[0-9a-f]{40}\)/);
    expect(second.stdout).not.toContain("Download action repository");

    const closed = `http://127.0.0.1:${await freePort()}`;
    const offline = await flotillaRun(dir, [], { FLOTILLA_ACTIONS_URL: closed });
    expect(offline.exitCode, offline.all).toBe(0);
    expect(offline.stdout).toMatch(
      /\[greet\] ##\[warning\]cannot reach 127\.0\.0\.1:\d+ \(Failed to connect to 127\.0\.0\.1 port \d+\), the actions server FLOTILLA_ACTIONS_URL names .*; using the cached 'acme\/hello@v1' \(SHA:[0-9a-f]{40}\)/,
    );
    expect(offline.stdout).toContain("[greet] hello, world, from the action");
  });

  it("says which host it cannot reach, and that FLOTILLA_ACTIONS_URL can point elsewhere; a missing repository is not found", async () => {
    const dir = await repo({ ".flotilla/workflows/greet.yml": GREET.replace("acme/hello@v1", "acme/hello@v2") });
    // Actions come from the forge the origin remote names, here one no resolver knows.
    await git(dir, ["remote", "add", "origin", "https://forge.invalid/acme/widgets.git"]);
    const unreachable = await flotillaRun(dir);
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.stdout).toContain(
      "[greet] ##[error]Unable to resolve action `acme/hello@v2`: cannot reach forge.invalid (Could not resolve host: forge.invalid): actions come from the job's forge (https://forge.invalid) unless FLOTILLA_ACTIONS_URL points at another server, such as a mirror",
    );
    expect(unreachable.all).not.toContain("repository not found");
    expect(summaryRows(unreachable.stdout)).toEqual([["greet", "failure"]]);

    await rename(join(dir, ".flotilla/workflows/greet.yml"), join(dir, "greet.yml"));
    const missing = await flotillaRun(dir, ["-W", "greet.yml"], { FLOTILLA_ACTIONS_URL: `file://${server}/nowhere` });
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain("Unable to resolve action `acme/hello@v2`, repository not found");
    expect(missing.all).not.toContain("cannot reach");
  });
});
