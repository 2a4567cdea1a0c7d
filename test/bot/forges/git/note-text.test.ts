/**
 * The text of a namespace's git note: one line per run and per job, each write replacing only
 * its own line, read back from the text as git keeps it.
 */
import { describe, expect, it } from "vitest";
import { logLines, parseNote, withEntry } from "../../../../bot/forges/git/note-text.ts";

describe("note text", () => {
  it("adds and replaces entries by kind and name, runs first", () => {
    let text = withEntry(undefined, {
      kind: "job",
      name: "build [lab]",
      state: "failure",
      url: "http://ci/jobs/1",
      lines: ["boom"],
    });
    text = withEntry(text, {
      kind: "run",
      name: "flotilla/ci [lab]",
      state: "failure",
      url: "http://ci/runs/1",
      lines: [],
    });
    text = withEntry(text, {
      kind: "job",
      name: "build [lab]",
      state: "success",
      url: "http://ci/jobs/2",
      lines: ["ok", "done"],
    });
    expect(text).toBe(
      "run flotilla/ci [lab]: failure http://ci/runs/1\njob build [lab]: success http://ci/jobs/2\n    ok\n    done\n",
    );
    expect(parseNote(text)).toHaveLength(2);
  });

  it("keeps a name holding ': ' and the last log lines without colours", () => {
    const text = withEntry(undefined, { kind: "job", name: "a: b", state: "success", url: "u", lines: [] });
    expect(parseNote(text)[0]).toMatchObject({ name: "a: b", state: "success", url: "u" });
    const tail = Array.from({ length: 30 }, (_, i) => `\u001b[31mline ${i}\u001b[0m`).join("\n");
    const lines = logLines(tail);
    expect(lines).toHaveLength(20);
    expect(lines.at(-1)).toBe("line 29");
  });
});
