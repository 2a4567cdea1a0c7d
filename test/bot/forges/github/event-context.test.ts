/**
 * A GitHub webhook into a RunContext: what a push says it changed.
 */
import { describe, expect, it } from "vitest";
import { githubRunContext } from "../../../../bot/forges/github/event-context.ts";
import { examplePayload } from "../../../helpers/webhooks.ts";

describe("changed files of a push", () => {
  it("come from the commits' added, modified and removed files", () => {
    // GitHub's example push, made into a push the bot plans (an installation, a new head).
    const payload = { ...examplePayload("push"), installation: { id: 1 }, deleted: false, after: "b".repeat(40) };
    const commits = [
      { id: "1", added: ["a.txt"], modified: ["b.txt"], removed: [] },
      { id: "2", added: [], modified: ["b.txt"], removed: ["c.txt"] },
    ];
    const result = githubRunContext("d", "push", { ...payload, commits });
    expect(result.ok && result.value.changedFiles).toEqual(["a.txt", "b.txt", "c.txt"]);
    const none = githubRunContext("d", "push", { ...payload, commits: [] });
    expect(none.ok && none.value.changedFiles).toBeUndefined();
  });
});
