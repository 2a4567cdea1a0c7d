/**
 * The runner's git mirror cache against the fake GitHub's real `git http-backend` (token
 * checked on every request): what the forge is asked for, what lands in the workspace, what
 * the mirror keeps, and what never appears anywhere (the token).
 */
import { spawn } from "node:child_process";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { Probot } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scratchDir } from "../../helpers/scratch.ts";
import { CheckoutError } from "../../../runner/source/checkout.ts";
import { readRunnerConfig } from "../../../runner/config.ts";
import { gitMirrorCheckout, mirrorPath } from "../../../runner/source/git-mirror.ts";
import { startFakeGitHub, type FakeGitHub, type FakeRepository } from "../../helpers/fake-github.ts";
import { cloneRepo, commitFiles, createRepo, git } from "../../helpers/git-repo.ts";
import { createAppCredentials } from "../../helpers/github-app.ts";

const INSTALLATION = 31;
const app = createAppCredentials();
const root = scratchDir("flotilla-git-mirror-");
let repoDir: string;
let fake: FakeGitHub;
let widgets: FakeRepository;
let token: string;
let first: string;

beforeAll(async () => {
  repoDir = join(root(), "widgets");
  await createRepo(repoDir, { "README.md": "widgets\n", "src/a.c": "int a;\n" });
  // Enough history that fetching it all again would show (git keeps a pack of ≥ 100 objects).
  for (let i = 0; i < 40; i++) await commitFiles(repoDir, { [`src/f${i}.c`]: `int f${i};\n` }, `f${i}`);
  first = await git(repoDir, ["rev-parse", "HEAD"]);
  fake = await startFakeGitHub({ app });
  widgets = await fake.addRepository({
    owner: "acme",
    name: "widgets",
    dir: repoDir,
    private: true,
    installationId: INSTALLATION,
  });
  const probot = new Probot({ appId: app.appId, privateKey: app.privateKey, baseUrl: fake.apiUrl, logLevel: "fatal" });
  const appOctokit = await probot.auth();
  const { data } = await appOctokit.request("POST /app/installations/{installation_id}/access_tokens", {
    installation_id: INSTALLATION,
    repositories: ["widgets"],
    permissions: { contents: "read" },
  });
  token = data.token;
}, 60_000);

afterAll(async () => {
  await fake?.close();
});

/** Fetches the forge has answered for acme/widgets (one `info/refs` per `git fetch`). */
const fetches = () => fake.clones.filter((c) => c.repo === "acme/widgets" && c.status === 200).length;

let n = 0;
async function checkout(
  mirrors: string,
  sha: string,
  options: { token?: string; signal?: AbortSignal; ref?: string } = {},
) {
  const dir = join(root(), `ws-${++n}`);
  const lines: string[] = [];
  await gitMirrorCheckout({ dir: mirrors }).checkout(
    {
      cloneUrl: widgets.clone_url,
      sha,
      ref: options.ref,
      dir,
      ...(options.token === undefined ? { token } : options.token ? { token: options.token } : {}),
    },
    { jobLog: { line: (line) => lines.push(line) }, ...(options.signal ? { signal: options.signal } : {}) },
  );
  return { dir, lines };
}

async function tree(dir: string, rev = "HEAD"): Promise<string> {
  return git(dir, ["ls-tree", "-r", rev]);
}

async function objectsIn(gitDir: string): Promise<number> {
  const counts = Object.fromEntries(
    (await execa("git", ["--git-dir", gitDir, "count-objects", "-v"])).stdout
      .split("\n")
      .map((line) => line.split(": ") as [string, string]),
  );
  return Number(counts.count) + Number(counts["in-pack"]);
}

describe("git mirror checkout", () => {
  it("fetches a repository once: the second job on the runner downloads nothing", async () => {
    const mirrors = join(root(), "mirrors-once");
    const before = fetches();
    const one = await checkout(mirrors, first);
    expect(fetches()).toBe(before + 1);
    expect(one.lines.some((line) => line.startsWith(`$ git fetch --no-tags origin ${first}`))).toBe(true);

    const two = await checkout(mirrors, first);
    expect(fetches()).toBe(before + 1);
    expect(two.lines.some((line) => line.startsWith("$ git fetch"))).toBe(false);

    for (const { dir } of [one, two]) {
      expect(await git(dir, ["rev-parse", "HEAD"])).toBe(first);
      expect(await tree(dir)).toBe(await tree(repoDir, first));
      expect(await git(dir, ["status", "--porcelain"])).toBe("");
      expect(await readFile(join(dir, "src", "f39.c"), "utf8")).toBe("int f39;\n");
      // Looks like the plain checkout's --depth=1: one commit, detached, origin is the forge.
      expect(await git(dir, ["rev-list", "--count", "HEAD"])).toBe("1");
      expect(await git(dir, ["rev-parse", "--is-shallow-repository"])).toBe("true");
      expect(await git(dir, ["remote", "get-url", "origin"])).toBe(widgets.clone_url);
    }
  });

  it("fetches a commit pushed later incrementally, not the history again", async () => {
    const mirrors = join(root(), "mirrors-incremental");
    await checkout(mirrors, first);
    const mirror = mirrorPath(mirrors, widgets.clone_url);
    const had = await objectsIn(mirror);
    expect(had).toBeGreaterThan(120);

    const next = await commitFiles(repoDir, { "src/new.c": "int fresh;\n" }, "new");
    const before = fetches();
    const { dir, lines } = await checkout(mirrors, next);
    expect(fetches()).toBe(before + 1);
    expect(lines.some((line) => line.startsWith(`$ git fetch --no-tags origin ${next}`))).toBe(true);
    // The new commit, its root and src trees, and the new file: nothing else came.
    expect((await objectsIn(mirror)) - had).toBe(4);
    expect(await readFile(join(dir, "src", "new.c"), "utf8")).toBe("int fresh;\n");
    expect(await tree(dir)).toBe(await tree(repoDir, next));
  });

  it("lets concurrent jobs of one repository check out together, fetching once", async () => {
    const mirrors = join(root(), "mirrors-concurrent");
    const before = fetches();
    const runs = await Promise.all(Array.from({ length: 4 }, () => checkout(mirrors, first)));
    expect(fetches()).toBe(before + 1);
    for (const { dir } of runs) {
      expect(await git(dir, ["rev-parse", "HEAD"])).toBe(first);
      expect(await git(dir, ["status", "--porcelain"])).toBe("");
    }
    // Separate runners sharing a work dir meet at the lock file: another runner's fetch holds it…
    const holder = spawn("sleep", ["30"], { stdio: "ignore" });
    const next = await commitFiles(repoDir, { "src/held.c": "int held;\n" }, "held");
    const lock = `${mirrorPath(mirrors, widgets.clone_url)}.lock`;
    await writeFile(lock, `${holder.pid} ${hostname()} someone-else\n`);
    let done = false;
    const waiting = checkout(mirrors, next).then((run) => {
      done = true;
      return run;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(done).toBe(false);
    // …until it lets go; a runner that died holding it does not hold it any more.
    holder.kill();
    await new Promise((resolve) => holder.once("exit", resolve));
    const { dir } = await waiting;
    expect(await readFile(join(dir, "src", "held.c"), "utf8")).toBe("int held;\n");
    expect(await readdir(mirrors)).not.toContain(`${mirrorPath(mirrors, widgets.clone_url).split("/").at(-1)}.lock`);
  });

  it("never puts the token in the mirror, the workspace's .git or the log", async () => {
    const mirrors = join(root(), "mirrors-token");
    const { dir, lines } = await checkout(mirrors, first);
    expect(fake.clones.at(-1)).toMatchObject({ repo: "acme/widgets", token, status: 200 });
    const mirror = mirrorPath(mirrors, widgets.clone_url);
    const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
    const said = [
      lines.join("\n"),
      await readFile(join(mirror, "config"), "utf8"),
      await readFile(join(mirror, "FETCH_HEAD"), "utf8").catch(() => ""),
      await readFile(join(dir, ".git", "config"), "utf8"),
      (await execa("git", ["--git-dir", mirror, "for-each-ref"])).stdout,
    ].join("\n");
    expect(said).toContain(widgets.clone_url);
    expect(said).not.toContain(token);
    expect(said).not.toContain(basic);
    expect(said).not.toMatch(/extraHeader|Authorization/i);
  });

  it("says why when the forge refuses, without the token, and keeps the mirror", async () => {
    const mirrors = join(root(), "mirrors-refused");
    await checkout(mirrors, first);
    const next = await commitFiles(repoDir, { "src/refused.c": "int no;\n" }, "refused");
    const wrong = "ghs_notAValidT0kenAtAll";
    const lines: string[] = [];
    const error = await gitMirrorCheckout({ dir: mirrors })
      .checkout(
        { cloneUrl: widgets.clone_url, sha: next, token: wrong, dir: join(root(), "ws-refused") },
        { jobLog: { line: (line) => lines.push(line) } },
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CheckoutError);
    const said = `${(error as Error).message}\n${lines.join("\n")}`;
    expect(said).toMatch(/git fetch failed/);
    expect(said).not.toContain(wrong);
    expect(said).not.toContain("damaged");
    // The mirror still serves the commit it had, without the forge.
    const before = fetches();
    await checkout(mirrors, first);
    expect(fetches()).toBe(before);
  });

  it("makes a damaged mirror afresh and checks out all the same", async () => {
    const mirrors = join(root(), "mirrors-damaged");
    await checkout(mirrors, first);
    const mirror = mirrorPath(mirrors, widgets.clone_url);
    const packs = (await readdir(join(mirror, "objects", "pack"))).filter((name) => name.endsWith(".pack"));
    expect(packs.length).toBeGreaterThan(0);
    for (const pack of packs) {
      const path = join(mirror, "objects", "pack", pack);
      const bytes = await readFile(path);
      bytes.fill(0x5a, 12, bytes.length - 20);
      await writeFile(path, bytes);
    }
    const { dir, lines } = await checkout(mirrors, first);
    expect(lines.join("\n")).toContain(`the runner's mirror ${mirror} is damaged; making it afresh`);
    expect(await tree(dir)).toBe(await tree(repoDir, first));
    expect(await git(dir, ["status", "--porcelain"])).toBe("");

    // A mirror that is not a repository any more (its HEAD gone) is made again too.
    await rm(join(mirror, "HEAD"));
    const again = await checkout(mirrors, first);
    expect(await tree(again.dir)).toBe(await tree(repoDir, first));
  });

  it("fetches a pull request's merge by its ref, once, and by SHA after the ref has moved on", async () => {
    const forkDir = await cloneRepo(repoDir, join(root(), "fork"));
    const head = await commitFiles(forkDir, { "src/fork.c": "int fork;\n" }, "fork");
    const pr = await fake.openPullRequest(widgets, { number: 7, headSha: head, headRef: "feature", headDir: forkDir });
    const merge = pr.mergeCommitSha ?? "";
    const mirrors = join(root(), "mirrors-pull");
    const before = fetches();
    const one = await checkout(mirrors, merge, { ref: "refs/pull/7/merge" });
    expect(fetches()).toBe(before + 1);
    const mirror = mirrorPath(mirrors, widgets.clone_url);
    expect(one.lines).toContain(`$ git fetch --no-tags origin refs/pull/7/merge (into the runner's mirror ${mirror})`);
    expect(one.lines.join("\n")).not.toContain("fetching the commit itself");
    // Where actions/checkout leaves a pull request's ref, and only the temporary ref gone from the mirror.
    expect(await git(one.dir, ["rev-parse", "HEAD", "refs/remotes/pull/7/merge"])).toBe(`${merge}\n${merge}`);
    expect(await readFile(join(one.dir, "src", "fork.c"), "utf8")).toBe("int fork;\n");
    expect(await git(one.dir, ["status", "--porcelain"])).toBe("");
    expect(await git(one.dir, ["rev-parse", "--is-shallow-repository"])).toBe("true");
    expect((await execa("git", ["--git-dir", mirror, "for-each-ref", "--format=%(refname)"])).stdout).toBe(
      `refs/flotilla/commits/${merge}`,
    );
    // Kept like any commit: the next job of the pull request downloads nothing.
    await checkout(mirrors, merge, { ref: "refs/pull/7/merge" });
    expect(fetches()).toBe(before + 1);

    // A push to the pull request moves refs/pull/7/merge on; a job planned before still gets its commit.
    const next = await commitFiles(forkDir, { "src/fork.c": "int fork2;\n" }, "fork 2");
    await fake.openPullRequest(widgets, { number: 7, headSha: next, headRef: "feature", headDir: forkDir });
    const moved = await checkout(join(root(), "mirrors-pull-moved"), merge, { ref: "refs/pull/7/merge" });
    expect(moved.lines).toContain(`refs/pull/7/merge no longer names ${merge}; fetching the commit itself`);
    expect(await readFile(join(moved.dir, "src", "fork.c"), "utf8")).toBe("int fork;\n");
    expect(await git(moved.dir, ["rev-parse", "HEAD", "refs/remotes/pull/7/merge"])).toBe(`${merge}\n${merge}`);
  });
});

describe("the runner setting", () => {
  it("uses the mirror unless FLOTILLA_RUNNER_GIT_MIRROR turns it off", () => {
    expect(readRunnerConfig({ FLOTILLA_NATS_URL: "nats://a" }).gitMirror).toBe(true);
    expect(readRunnerConfig({ FLOTILLA_NATS_URL: "nats://a", FLOTILLA_RUNNER_GIT_MIRROR: "0" }).gitMirror).toBe(false);
    expect(() => readRunnerConfig({ FLOTILLA_NATS_URL: "nats://a", FLOTILLA_RUNNER_GIT_MIRROR: "sometimes" })).toThrow(
      /FLOTILLA_RUNNER_GIT_MIRROR/,
    );
  });
});
