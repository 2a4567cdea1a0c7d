/**
 * A runner with `actionsUrl` set fetches remote actions from that base (e.g. github.com for a
 * GHES forge, or an internal mirror), not from the job's forge: the same `acme/hello` exists
 * under both bases with different code, and another action exists only under the configured one.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRepo, git } from "../../helpers/git-repo.ts";
import { buildJob, openBus, randomId, type Bus } from "../support.ts";

let bus: Bus;
let root: string;
let forge: string;
let mirror: string;
let repo: { dir: string; sha: string };
const namespace = randomId("ns");

async function action(base: string, name: string, says: string): Promise<void> {
  const dir = join(base, "acme", `${name}.git`);
  await createRepo(dir, {
    "action.yml": `name: ${name}\nruns:\n  using: node20\n  main: index.js\n`,
    "index.js": `console.log(${JSON.stringify(says)});\n`,
  });
  await git(dir, ["tag", "v1"]);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "flotilla-actions-url-"));
  forge = join(root, "forge");
  mirror = join(root, "mirror");
  await Promise.all([
    action(forge, "hello", "hello from the forge"),
    action(mirror, "hello", "hello from the mirror"),
    action(mirror, "mirrored", "only on the mirror"),
  ]);
  repo = await createRepo(join(root, "widgets"), { "README.md": "hi\n" });
  bus = await openBus();
  await bus.addLabelset(namespace, ["self-hosted"]);
  await bus.startRunner({ namespace, actionsUrl: `file://${mirror}/` });
});

afterAll(async () => {
  await bus?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

it("fetches remote actions from the configured actions server, not the job's forge", async () => {
  const id = randomId("exec-");
  const job = buildJob({
    executions: { [namespace]: id },
    cloneUrl: `file://${repo.dir}`,
    sha: repo.sha,
    steps: [
      { name: "Hello", uses: "acme/hello@v1" },
      { name: "Mirrored", uses: "acme/mirrored@v1" },
    ],
  });
  await bus.publishJob({ ...job, serverUrl: `file://${forge}` });
  const completed = await bus.reports.completed(id);
  const log = bus.reports.log(id);
  expect(completed.conclusion).toBe("success");
  expect(log).toContain("hello from the mirror");
  expect(log).toContain("only on the mirror");
  expect(log).not.toContain("hello from the forge");
  expect(log).toMatch(
    new RegExp(`Download action repository 'acme/hello@v1' \\(SHA:[0-9a-f]{40}\\) from file://${mirror}\\n`),
  );
});
