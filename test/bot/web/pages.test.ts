import { describe, expect, it } from "vitest";

describe("renderLog", () => {
  it("folds ::group:: sections and escapes what the log says", async () => {
    const { renderLog } = await import("../../../bot/web/pages.ts");
    const html = renderLog(
      "before\n##[group]Install <deps>\nlots of output\n##[endgroup]\nafter\n##[group]never closed\nx",
    );
    expect(html).toContain("<details><summary>Install &lt;deps&gt;</summary>\nlots of output\n</details>\nafter");
    expect(html.match(/<details>/g)).toHaveLength(2);
    expect(html.match(/<\/details>/g)).toHaveLength(2);
  });
});
