/**
 * The package as someone installs it: `npm pack` (which builds dist/), then `npm install` of
 * the tarball into an empty directory with no dev dependencies — so no tsx and no TypeScript —
 * and the installed `flotilla` answers from the compiled JavaScript: its version, its help, and
 * commands that load the workflow parser and the database migrations, and a runner registered
 * and started from it that runs a job for a running bot. What `files` or the build leaves out,
 * or a dependency kept in devDependencies, fails here, not for the first person who installs it.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startFlotilla } from "../helpers/flotilla.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const VERSION: string = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;

let scratch: string;
let flotilla: string;
let prefix: string;
let packed: string[];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "flotilla-pack-"));
  const pack = await execa("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: ROOT });
  const [{ filename, files }] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
  packed = files.map((file) => file.path);
  prefix = join(scratch, "installed");
  await mkdir(prefix);
  await writeFile(join(prefix, "package.json"), JSON.stringify({ name: "installs-flotilla", private: true }));
  // From npm's cache where it can: the registry only for what the cache lacks.
  await execa(
    "npm",
    ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", join(scratch, filename)],
    { cwd: prefix },
  );
  flotilla = join(prefix, "node_modules", ".bin", "flotilla");
}, 300_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function installed(args: string[], cwd = scratch) {
  return execa(flotilla, args, {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: scratch, DATA_DIR: join(scratch, "data") },
    extendEnv: false,
    reject: false,
  });
}

it("ships compiled JavaScript and what it reads, not the TypeScript sources", () => {
  expect(packed).toEqual(
    expect.arrayContaining(["bin/flotilla.js", "dist/cli/main.js", "dist/db/migrations/meta/_journal.json", "app.yml"]),
  );
  expect(packed.filter((path) => path.endsWith(".ts"))).toEqual([]);
  expect(existsSync(join(prefix, "node_modules", "tsx"))).toBe(false);
});

it("the installed flotilla prints its version and its help", async () => {
  const version = await installed(["--version"]);
  expect(version.exitCode).toBe(0);
  expect(version.stdout).toBe(VERSION);
  const help = await installed(["--help"]);
  expect(help.exitCode).toBe(0);
  expect(help.stdout).toContain("runner start");
});

it("runs from dist without tsx: validate, migrate, and a mistyped option", {
  timeout: 120_000,
}, async () => {
  const repo = join(scratch, "repo");
  await mkdir(join(repo, ".flotilla", "workflows"), { recursive: true });
  await writeFile(
    join(repo, ".flotilla", "workflows", "ci.yml"),
    "on: push\njobs:\n  build:\n    runs-on: linux\n    steps:\n      - run: echo hi\n",
  );
  const validated = await installed(["validate"], repo);
  expect(validated.exitCode, validated.stderr).toBe(0);
  expect(validated.stdout).toContain(".flotilla/workflows/ci.yml: 1 job");
  const migrated = await installed(["migrate"]);
  expect(migrated.exitCode, migrated.stderr).toBe(0);
  expect(migrated.stdout).toContain(`migrated the PGlite database in ${join(scratch, "data", "pglite")}`);
  // The systemd unit runs the package's own launcher, not a path inside dist/.
  const config = join(scratch, "runner.json");
  await writeFile(
    config,
    JSON.stringify({
      version: 1,
      id: crypto.randomUUID(),
      name: "lab-1",
      namespace: "default",
      labels: [],
      natsUrl: "nats://127.0.0.1:4222",
      natsPrefix: "flotilla",
    }),
  );
  const unit = await installed(["runner", "install-service", "--dry-run", "--config", config]);
  expect(unit.exitCode, unit.stderr).toBe(0);
  expect(unit.stdout).toContain(`${join(prefix, "node_modules", "flotilla", "bin", "flotilla.js")} runner start`);
  const mistyped = await installed(["runner", "start", "--bogus"]);
  expect(mistyped.exitCode).toBe(2);
  expect(mistyped.stderr).toContain("flotilla runner start: unknown option --bogus");
});

it("registers and starts a runner from the installed package, which runs a job for a running bot", {
  timeout: 180_000,
}, async () => {
  const f = await startFlotilla();
  const machine = join(scratch, "runner-machine");
  await mkdir(machine);
  const env = { FLOTILLA_URL: f.publicUrl, FLOTILLA_API_TOKEN: f.apiToken };
  const run = (args: string[]) =>
    execa(flotilla, args, {
      cwd: machine,
      env: { PATH: process.env.PATH ?? "", HOME: machine, ...env },
      extendEnv: false,
      reject: false,
      all: true,
    });
  try {
    const created = await run(["token", "create"]);
    expect(created.exitCode, created.stderr).toBe(0);
    const token = created.stdout.trim();
    const registered = await run([
      "runner",
      "register",
      "--url",
      f.publicUrl,
      "--token",
      token,
      "--labels",
      "packed",
      "--name",
      "from-tarball",
    ]);
    expect(registered.exitCode, registered.stderr).toBe(0);
    const runner = run(["runner", "start"]);
    try {
      const { sha } = await f.pushRepository("pack", "installed", {
        ".flotilla/workflows/ci.yml":
          "on: push\njobs:\n  build:\n    runs-on: [self-hosted, packed]\n    steps:\n      - run: echo built by the tarball\n",
      });
      const [build] = await f.finished(sha, ["build"], 90_000);
      expect(build.run.conclusion).toBe("success");
      expect((build.run.output as { summary: string }).summary).toContain("`from-tarball`");
    } finally {
      runner.kill("SIGTERM");
      const ended = await runner;
      expect(ended.exitCode, ended.all).toBe(0);
    }
  } finally {
    await f.close();
  }
});
