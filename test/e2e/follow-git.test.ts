/**
 * Following a plain git repository, icyCI's way, end to end: `flotilla follow-git` on a local
 * bare repository, no webhook and no App. The bot polls it (GIT_POLL_SECONDS=1); each pushed
 * head runs `.flotilla/workflows` in both namespaces that follow `git.local/**`, once each, and
 * each namespace's results land as a git note on the commit under `refs/notes/flotilla-<ns>`
 * in the bare repository. A force-push runs its new head; a deleted branch, or a branch the
 * follow does not take, starts nothing. A post-receive hook printed by `--print-hook` makes a
 * bot whose interval is long poll at once; a wrong hook token is 401.
 * Real bot, runners, NATS, Postgres and git.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitFollows, jobs, runs } from "../../db/schema.ts";
import { followGitCommand } from "../../cli/commands/follow-git.ts";
import { namespaceCommand } from "../../cli/commands/namespace.ts";
import { gitRepoName } from "../../bot/forges/git/repo-name.ts";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { startFlotilla, type Flotilla } from "../helpers/flotilla.ts";
import { commitFiles, createRepo, git } from "../helpers/git-repo.ts";
import { until } from "../helpers/until.ts";

const f = flotillaSuite({
  env: { GIT_POLL_SECONDS: "1" },
  runners: [
    { name: "git-a", namespace: "lab-a" },
    { name: "git-b", namespace: "lab-b" },
  ],
});

const WORKFLOW = `name: ci
on: push
jobs:
  build:
    runs-on: self-hosted
    steps:
      - uses: actions/checkout@v4
      - run: echo "event=\${{ github.event_name }} ref=\${{ github.ref }} sha=\${{ github.sha }}" && cat hello.txt
`;

const WAIT = 180_000;
let root: string;

const cli = (flotilla: Flotilla) => ({ FLOTILLA_URL: flotilla.publicUrl, FLOTILLA_API_TOKEN: flotilla.apiToken });

/** A working repository with the workflow, and the bare repository it pushes to (the one followed). */
async function repository(name: string): Promise<{ work: string; bare: string; first: string }> {
  const work = join(root, `${name}-work`);
  const bare = join(root, `${name}.git`);
  const { sha } = await createRepo(work, {
    ".flotilla/workflows/ci.yml": WORKFLOW,
    "hello.txt": `hello from ${name}\n`,
  });
  await execa("git", ["clone", "--quiet", "--bare", work, bare]);
  await git(work, ["remote", "add", "origin", bare]);
  return { work, bare, first: sha };
}

/** Commits and pushes to the bare repository; the new head's SHA. */
async function push(work: string, branch = "main", ...pushArgs: string[]): Promise<string> {
  const sha = await commitFiles(work, { "change.txt": `${Math.random()}\n` }, `change on ${branch}`);
  await git(work, ["push", "--quiet", ...pushArgs, "origin", `HEAD:refs/heads/${branch}`]);
  return sha;
}

/** The namespace's note on `sha` in `bare`, once it holds the run's final line. */
function noteOf(bare: string, namespace: string, sha: string, timeoutMs = WAIT): Promise<string> {
  return until(
    async () => {
      const shown = await execa("git", ["notes", "--ref", `flotilla-${namespace}`, "show", sha], {
        cwd: bare,
        reject: false,
      });
      const text = String(shown.stdout);
      return /^run flotilla\/ci \[[\w-]+\]: (success|failure)/m.test(text) && text;
    },
    timeoutMs,
    `the ${namespace} note on ${sha.slice(0, 7)}`,
    250,
  );
}

async function runsOf(flotilla: Flotilla, shas: string[]) {
  return flotilla.bot.db.db
    .select({ sha: runs.sha, namespace: jobs.namespace, conclusion: jobs.conclusion, forge: runs.forge })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(inArray(runs.sha, shas));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "flotilla-follow-git-"));
  // The namespaces with runners follow plain git repositories; `default` (no runner) follows none.
  expect(await namespaceCommand(["set", "default", "--follows", "nobody/nothing"], cli(f))).toBe(0);
  expect(await namespaceCommand(["set", "lab-a", "--follows", "git.local/**"], cli(f))).toBe(0);
  expect(await namespaceCommand(["set", "lab-b", "--follows", "git.local/**"], cli(f))).toBe(0);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("follow-git", { timeout: 240_000 }, () => {
  it("runs each pushed commit once per namespace and writes each namespace's results as git notes", async () => {
    const { work, bare, first } = await repository("app");
    expect(await followGitCommand([bare], cli(f))).toBe(0);
    const name = gitRepoName(bare);
    expect(name).toBe(`git.local/${bare.slice(1).replace(/\.git$/, "")}`);
    // Following it runs its default branch's head; then three pushes, each seen before the next.
    await noteOf(bare, "lab-a", first);
    const shas: string[] = [];
    for (let i = 0; i < 3; i++) {
      const sha = await push(work);
      shas.push(sha);
      await until(async () => (await runsOf(f, [sha])).length === 2, WAIT, `the runs of push ${i + 1}`, 250);
    }
    for (const sha of shas) {
      for (const namespace of ["lab-a", "lab-b"]) {
        const note = await noteOf(bare, namespace, sha);
        expect(note).toMatch(new RegExp(`^run flotilla/ci \\[${namespace}\\]: success ${f.publicUrl}/runs/`, "m"));
        expect(note).toMatch(new RegExp(`^job build \\[${namespace}\\]: success ${f.publicUrl}/jobs/`, "m"));
        // The log tail: the job saw GitHub's names for the push, and the checked-out file.
        expect(note).toContain(`event=push ref=refs/heads/main sha=${sha}`);
        expect(note).toContain("hello from app");
      }
    }
    // Three pushes, three runs in each namespace, each job once, all succeeded.
    const rows = await runsOf(f, shas);
    expect(rows.every((r) => r.forge === "git" && r.conclusion === "success")).toBe(true);
    expect(rows.filter((r) => r.namespace === "lab-a")).toHaveLength(3);
    expect(rows.filter((r) => r.namespace === "lab-b")).toHaveLength(3);
    // Every namespace's results in one log.
    const log = await git(bare, ["log", "--show-notes=flotilla-*", "-1", shas[2]!]);
    expect(log).toContain("Notes (flotilla-lab-a):");
    expect(log).toContain("Notes (flotilla-lab-b):");
    // The CLI lists it with the heads it last saw.
    const listed = await f.bot.db.db.select().from(gitFollows).where(eq(gitFollows.name, name));
    expect(listed[0]?.heads["refs/heads/main"]).toBe(shas[2]);
    expect(await followGitCommand(["list"], cli(f))).toBe(0);
  });

  it("runs a force-pushed head, and starts nothing for a deleted branch or one it does not follow", async () => {
    const { work, bare, first } = await repository("forced");
    expect(await followGitCommand([bare, "--branch", "main,feature/*", "--results-repo", bare], cli(f))).toBe(0);
    const name = gitRepoName(bare);
    await noteOf(bare, "lab-a", first);
    await git(work, ["checkout", "--quiet", "-b", "feature/x"]);
    const featured = await push(work, "feature/x");
    await noteOf(bare, "lab-b", featured);
    // Rewrite the branch: the new head does not descend from the old one.
    await git(work, ["reset", "--quiet", "--hard", first]);
    const forced = await push(work, "feature/x", "--force");
    const isAncestor = await execa("git", ["merge-base", "--is-ancestor", featured, forced], {
      cwd: work,
      reject: false,
    });
    expect(isAncestor.exitCode).toBe(1);
    const note = await noteOf(bare, "lab-a", forced);
    expect(note).toContain("ref=refs/heads/feature/x");
    // A branch it does not follow, then the feature branch deleted: the poll sees both, runs neither.
    const other = await push(work, "other");
    await git(work, ["push", "--quiet", "origin", ":refs/heads/feature/x"]);
    await until(
      async () => {
        const [row] = await f.bot.db.db.select().from(gitFollows).where(eq(gitFollows.name, name));
        return row && !row.heads["refs/heads/feature/x"] && row.heads["refs/heads/other"] === other;
      },
      WAIT,
      "a poll that saw the deletion",
      250,
    );
    const repoRuns = await f.bot.db.db.select({ sha: runs.sha }).from(runs).where(eq(runs.repository, name));
    expect(new Set(repoRuns.map((r) => r.sha))).toEqual(new Set([first, featured, forced]));
  });

  it("notes a workflow file that does not parse in each namespace's note, beside the runs that did", async () => {
    const { work, bare } = await repository("broken");
    expect(await followGitCommand([bare], cli(f))).toBe(0);
    await commitFiles(work, { ".flotilla/workflows/broken.yml": "on: push\njobs:\n  x:\n    steps: 12\n" }, "broken");
    const sha = await push(work);
    for (const namespace of ["lab-a", "lab-b"]) {
      const note = await noteOf(bare, namespace, sha);
      expect(note).toMatch(/^run \.flotilla\/workflows\/broken\.yml: failure /m);
      expect(note).toContain(".flotilla/workflows/broken.yml is not a valid workflow");
      expect(note).toMatch(/^ {4}- line \d+/m);
      expect(note).toMatch(new RegExp(`^run flotilla/ci \\[${namespace}\\]: success`, "m"));
    }
  });

  it("refuses a repository the bot cannot fetch, and a hook with a wrong token", async () => {
    expect(await followGitCommand([join(root, "missing.git")], cli(f))).toBe(1);
    // Nothing git would read as an option or a command.
    for (const url of ["--upload-pack=touch /tmp/flotilla-pwned", "ext::sh -c touch% /tmp/flotilla-pwned"]) {
      const answer = await fetch(`${f.publicUrl}/api/v1/git-follows`, {
        method: "POST",
        headers: { authorization: `Bearer ${f.apiToken}`, "content-type": "application/json" },
        body: JSON.stringify({ url }),
      });
      expect(answer.status).toBe(400);
    }
    expect(existsSync("/tmp/flotilla-pwned")).toBe(false);
    const { bare } = await repository("hooked-wrong");
    expect(await followGitCommand([bare], cli(f))).toBe(0);
    const hook = (token?: string) =>
      fetch(`${f.publicUrl}/git/hook`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ repository: gitRepoName(bare) }),
      });
    expect((await hook()).status).toBe(401);
    expect((await hook("not-the-token")).status).toBe(401);
    // The API token is not the hook's token either.
    expect((await hook(f.apiToken)).status).toBe(401);
  });

  it("logs a followed repository that became unreachable and keeps polling the others", async () => {
    const gone = await repository("gone");
    const alive = await repository("alive");
    expect(await followGitCommand([gone.bare], cli(f))).toBe(0);
    expect(await followGitCommand([alive.bare], cli(f))).toBe(0);
    await rm(gone.bare, { recursive: true, force: true });
    const since = Date.now();
    const polledAt = async (bare: string) => {
      const [row] = await f.bot.db.db
        .select()
        .from(gitFollows)
        .where(eq(gitFollows.name, gitRepoName(bare)));
      return row?.polledAt?.getTime() ?? 0;
    };
    // Two polls of the reachable one later, the unreachable one was polled (and failed) too.
    await until(async () => (await polledAt(alive.bare)) > since + 1_500, WAIT, "polls after the removal", 250);
    expect(await polledAt(gone.bare)).toBeLessThan(since);
    expect((await fetch(`${f.publicUrl}/healthz`)).status).toBe(200);
    // Following it again now fails with git's reason; it is still listed until removed.
    expect(await followGitCommand([gone.bare], cli(f))).toBe(1);
    expect(await followGitCommand(["remove", gone.bare], cli(f))).toBe(0);
  });
});

describe("the post-receive hook", { timeout: 240_000 }, () => {
  let slow: Flotilla;
  beforeAll(async () => {
    // A bot that polls once an hour: only the hook can make it see a push in time.
    slow = await startFlotilla({ env: { GIT_POLL_SECONDS: "3600" } });
    await slow.startRunner({ name: "hooked", namespace: "lab-h" });
    expect(await namespaceCommand(["set", "default", "--follows", "nobody/nothing"], cli(slow))).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await slow?.close();
  });

  it("makes the bot poll at once when the repository is pushed to", async () => {
    const { work, bare } = await repository("hooked");
    expect(await followGitCommand([bare, "--namespace", "lab-h"], cli(slow))).toBe(0);
    let script = "";
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => {
      script += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      expect(await followGitCommand(["--print-hook", bare], cli(slow))).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(script).toMatch(/^#!\/bin\/sh/);
    expect(script).toContain(`${slow.publicUrl}/git/hook`);
    await writeFile(join(bare, "hooks", "post-receive"), script);
    await chmod(join(bare, "hooks", "post-receive"), 0o755);
    const sha = await commitFiles(work, { "change.txt": "hooked\n" }, "a push the hook announces");
    const pushed = await execa("git", ["push", "origin", "HEAD:refs/heads/main"], { cwd: work });
    // The hook ran, and the bot answered it (it had polled by then).
    expect(pushed.stderr).toContain(`flotilla: ${gitRepoName(bare)} polled`);
    // Seen within the hour only because the hook asked.
    const note = await noteOf(bare, "lab-h", sha);
    expect(note).toMatch(/^job build \[lab-h\]: success/m);
    const rows = await slow.bot.db.db
      .select({ id: runs.id })
      .from(runs)
      .where(and(eq(runs.sha, sha), eq(runs.forge, "git")));
    expect(rows).toHaveLength(1);
  });
});
