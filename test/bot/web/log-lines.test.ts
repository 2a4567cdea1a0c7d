import { describe, expect, it } from "vitest";
import { createLineReader, formatCursor, itemsHtml, parseCursor } from "../../../bot/web/log-lines.ts";

const START = { attempt: 1, offset: 0, line: 1, depth: 0 };

describe("log lines", () => {
  it("numbers lines, folds ::group:: sections and escapes what the log says", () => {
    const reader = createLineReader(START);
    const log = "before\n##[group]Install <deps>\nlots of output\n##[endgroup]\nafter\n##[group]never closed\nx";
    const html = itemsHtml([...reader.push(log), ...reader.flush()]);
    expect(html).toContain('<span class="l" id="L1"><a class="n" href="#L1" data-n="1"></a>before</span>\n');
    expect(html).toContain(
      '<details class="g"><summary><span class="l" id="L2"><a class="n" href="#L2" data-n="2"></a>Install &lt;deps&gt;</span></summary>',
    );
    expect(html).toContain('lots of output</span>\n</details><span class="l" id="L5">');
    expect(html).toContain('id="L7"><a class="n" href="#L7" data-n="7"></a>x</span>');
    expect(reader.cursor()).toEqual({ attempt: 1, offset: Buffer.byteLength(log), line: 8, depth: 1 });
  });

  it("keeps a line that a chunk cut in two until its end comes, counting bytes, not characters", () => {
    const reader = createLineReader(START);
    expect(reader.push("héllo wo")).toEqual([]);
    const [line] = reader.push("rld\nnext");
    expect(line).toMatchObject({ kind: "line", n: 1 });
    expect(line?.kind === "line" && line.html).toContain("héllo world");
    expect(reader.cursor()).toMatchObject({ offset: 13, line: 2 });
  });

  it("goes on from a cursor as the stream does after a reconnect", () => {
    const first = createLineReader(START);
    first.push("##[group]g\none\n");
    const cursor = parseCursor(formatCursor(first.cursor()))!;
    const next = createLineReader(cursor);
    expect(next.push("two\n##[endgroup]\n")).toEqual([
      expect.objectContaining({ kind: "line", n: 3 }),
      { kind: "end", n: 4 },
    ]);
    expect(next.cursor().depth).toBe(0);
    expect(parseCursor("1:2:x:0")).toBeUndefined();
  });

  it("colours with ANSI escapes", () => {
    const [line] = createLineReader(START).push("\u001b[32mgreen\u001b[0m\n");
    expect(line?.kind === "line" && line.html).toContain('<span style="color:rgb(0,187,0)">green</span>');
  });
});
