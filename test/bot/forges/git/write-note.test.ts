/**
 * Git notes written by two bots at once (each with its own mirror) into one results repository:
 * every write lands, none is lost to another's push, because a refused push starts again from
 * the notes ref as the other bot left it. Real git, real repositories on disk.
 */
import { execa } from "execa";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gitMirrors } from "../../../../bot/forges/git/mirror.ts";
import { parseNote } from "../../../../bot/forges/git/note-text.ts";
import { writeNote } from "../../../../bot/forges/git/write-note.ts";
import { testLogger } from "../../../helpers/flotilla.ts";
import { createRepo, git } from "../../../helpers/git-repo.ts";
import { scratchDir } from "../../../helpers/scratch.ts";

const scratch = scratchDir("flotilla-write-note-");

describe("writeNote", { timeout: 120_000 }, () => {
  it("keeps every entry when two bots write one commit's note at once", async () => {
    const root = scratch();
    const { dir: work, sha } = await createRepo(join(root, "work"), { "a.txt": "a\n" });
    const bare = join(root, "results.git");
    await execa("git", ["clone", "--quiet", "--bare", work, bare]);
    const bots = [gitMirrors(join(root, "bot-1")), gitMirrors(join(root, "bot-2"))];
    const writes = Array.from({ length: 8 }, (_, i) =>
      writeNote(
        bots[i % 2]!("git.local/results", bare),
        bare,
        "lab",
        sha,
        { kind: "job", name: `job ${i}`, state: "success", url: `http://ci/jobs/${i}`, lines: [`log of ${i}`] },
        testLogger(),
      ),
    );
    expect(await Promise.all(writes)).toEqual(Array(8).fill(true));
    const note = await git(bare, ["notes", "--ref", "flotilla-lab", "show", sha]);
    const entries = parseNote(note);
    expect(entries.map((e) => e.name).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `job ${i}`));
    expect(entries.find((e) => e.name === "job 3")?.lines).toEqual(["log of 3"]);
  });

  it("replaces its own line on a later write and leaves other namespaces' notes alone", async () => {
    const root = join(scratch(), "second");
    const { dir: work, sha } = await createRepo(join(root, "work"), { "a.txt": "a\n" });
    const bare = join(root, "results.git");
    await execa("git", ["clone", "--quiet", "--bare", work, bare]);
    const mirror = gitMirrors(join(root, "bot"))("git.local/results", bare);
    const entry = { kind: "run" as const, name: "flotilla/ci", url: "http://ci/runs/1", lines: [] };
    await writeNote(mirror, bare, "default", sha, { ...entry, state: "failure" }, testLogger());
    await writeNote(mirror, bare, "other", sha, { ...entry, state: "success" }, testLogger());
    await writeNote(mirror, bare, "default", sha, { ...entry, state: "success" }, testLogger());
    expect(await git(bare, ["notes", "--ref", "flotilla-default", "show", sha])).toBe(
      "run flotilla/ci: success http://ci/runs/1",
    );
    expect(await git(bare, ["notes", "--ref", "flotilla-other", "show", sha])).toBe(
      "run flotilla/ci: success http://ci/runs/1",
    );
  });
});
