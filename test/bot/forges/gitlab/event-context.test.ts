/**
 * A GitLab hook into a RunContext: the `gitlab` context its runs see is the hook as GitLab sent it.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gitlabRunContext } from "../../../../bot/forges/gitlab/event-context.ts";
import { githubRunContext } from "../../../../bot/forges/github/event-context.ts";
import { examplePayload } from "../../../helpers/webhooks.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/gitlab/${name}`, import.meta.url), "utf8")) as Record<
    string,
    unknown
  >;

describe("the gitlab context", () => {
  it("is the Push Hook's payload, whole", () => {
    const payload = fixture("push-hook.json");
    const result = gitlabRunContext("gitlab.example.com", "d", "Push Hook", payload);
    expect(result.ok && result.value.contexts).toEqual({ gitlab: payload });
  });

  it("is absent from a GitHub event's run", () => {
    const payload = { ...examplePayload("push"), installation: { id: 1 }, deleted: false, after: "b".repeat(40) };
    const result = githubRunContext("d", "push", payload);
    expect(result.ok && result.value.contexts).toBeUndefined();
  });
});
