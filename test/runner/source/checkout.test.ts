import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckoutError, gitCheckout } from "../../../runner/source/checkout.ts";
import { createRepo, commitFiles, git } from "../../helpers/git-repo.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "flotilla-checkout-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("gitCheckout", () => {
  it("checks out an exact commit, not the branch tip", async () => {
    const repo = join(root, "repo");
    const { sha: first } = await createRepo(repo, { "a.txt": "first\n" });
    await commitFiles(repo, { "a.txt": "second\n" });
    const dir = join(root, "ws1");
    const lines: string[] = [];
    await gitCheckout().checkout(
      { cloneUrl: `file://${repo}`, sha: first, dir },
      { jobLog: { line: (line) => lines.push(line) } },
    );
    expect(await readFile(join(dir, "a.txt"), "utf8")).toBe("first\n");
    expect(lines).toContain(`$ git fetch --depth=1 --no-tags origin ${first}`);
  });

  it("fetches a ref no branch holds (a pull request's merge), leaving it where actions/checkout does", async () => {
    const repo = join(root, "pulls");
    await createRepo(repo, { "a.txt": "base\n" });
    await git(repo, ["checkout", "-q", "-b", "merge"]);
    const merge = await commitFiles(repo, { "b.txt": "merged\n" }, "Merge");
    await git(repo, ["update-ref", "refs/pull/7/merge", merge]);
    await git(repo, ["checkout", "-q", "main"]);
    await git(repo, ["branch", "-q", "-D", "merge"]);
    const dir = join(root, "ws-pull");
    const lines: string[] = [];
    await gitCheckout().checkout(
      { cloneUrl: `file://${repo}`, sha: merge, ref: "refs/pull/7/merge", dir },
      { jobLog: { line: (line) => lines.push(line) } },
    );
    expect(lines).toContain("$ git fetch --depth=1 --no-tags origin +refs/pull/7/merge:refs/remotes/pull/7/merge");
    expect(lines).toContain(`$ git checkout --detach ${merge}`);
    expect(lines.join("\n")).not.toContain("fetching the commit itself");
    expect(await git(dir, ["rev-parse", "HEAD", "refs/remotes/pull/7/merge"])).toBe(`${merge}\n${merge}`);
    expect(await readFile(join(dir, "b.txt"), "utf8")).toBe("merged\n");
    expect(await git(dir, ["status", "--porcelain"])).toBe("");

    // The pull request moved on (a push, a new base) or closed since the job was planned: the
    // commit itself is fetched — here still reachable from the new merge, on GitHub by SHA.
    await git(repo, ["checkout", "-q", "--detach", merge]);
    const moved = await commitFiles(repo, { "b.txt": "merged again\n" }, "Merge again");
    await git(repo, ["checkout", "-q", "main"]);
    await git(repo, ["update-ref", "refs/pull/7/merge", moved]);
    for (const [name, ref] of [
      ["moved", "refs/pull/7/merge"],
      ["gone", "refs/pull/8/merge"],
    ] as const) {
      const again = join(root, `ws-pull-${name}`);
      const said: string[] = [];
      await gitCheckout().checkout(
        { cloneUrl: `file://${repo}`, sha: merge, ref, dir: again },
        { jobLog: { line: (line) => said.push(line) } },
      );
      expect(said).toContain(`${ref} no longer names ${merge}; fetching the commit itself`);
      expect(await git(again, ["rev-parse", "HEAD"])).toBe(merge);
      expect(await readFile(join(again, "b.txt"), "utf8")).toBe("merged\n");
    }
  });

  it("fetches by SHA alone a ref it cannot pass to git safely", async () => {
    const repo = join(root, "odd-ref");
    const { sha } = await createRepo(repo, { "a.txt": "a\n" });
    const lines: string[] = [];
    await gitCheckout().checkout(
      { cloneUrl: `file://${repo}`, sha, ref: "refs/heads/x:refs/heads/evil", dir: join(root, "ws-odd") },
      { jobLog: { line: (line) => lines.push(line) } },
    );
    expect(lines).toContain(`$ git fetch --depth=1 --no-tags origin ${sha}`);
  });

  it("sends the token only as an HTTP header, and never says it", async () => {
    const token = "ghs_another5ecretToken";
    const seen: IncomingHttpHeaders[] = [];
    const urls: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      urls.push(req.url ?? "");
      res.writeHead(403, { "content-type": "text/plain" }).end(`denied for ${String(req.headers.authorization)}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const dir = join(root, "ws2");
    const lines: string[] = [];
    let error: unknown;
    try {
      await gitCheckout().checkout(
        { cloneUrl: `http://127.0.0.1:${port}/octo/widgets.git`, sha: "a".repeat(40), token, dir },
        { jobLog: { line: (line) => lines.push(line) } },
      );
    } catch (caught) {
      error = caught;
    } finally {
      server.close();
    }
    const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
    expect(seen[0]?.authorization).toBe(`Basic ${basic}`);
    expect(urls.join(" ")).not.toContain(token);
    expect(error).toBeInstanceOf(CheckoutError);
    const said = `${(error as Error).message}\n${lines.join("\n")}`;
    expect(said).toMatch(/git fetch failed/);
    expect(said).not.toContain(token);
    expect(said).not.toContain(basic);
    expect(await readFile(join(dir, ".git", "config"), "utf8")).not.toContain(token);
  });
});
