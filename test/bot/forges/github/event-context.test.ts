/**
 * A GitHub webhook into a RunContext: what a push says it changed, and where events that name no commit run.
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

describe("events that run on a ref GitHub's payload does not name as a commit", () => {
  it("runs a repository_dispatch and a schedule at the default branch, a release at its tag", () => {
    const dispatch = githubRunContext("d", "repository_dispatch", examplePayload("repository_dispatch"));
    expect(dispatch.ok && dispatch.value).toMatchObject({
      eventName: "repository_dispatch",
      action: "on-demand-test",
      ref: "refs/heads/master",
      sha: "",
    });
    const { repository, installation } = examplePayload("repository_dispatch");
    const schedule = githubRunContext("d", "schedule", {
      schedule: "0 3 * * *",
      workflow: ".flotilla/workflows/nightly.yml",
      repository,
      installation,
    });
    expect(schedule.ok && schedule.value).toMatchObject({
      eventName: "schedule",
      ref: "refs/heads/master",
      workflowPath: ".flotilla/workflows/nightly.yml",
      schedule: { cron: "0 3 * * *" },
    });
    const release = examplePayload("release", "published");
    const published = githubRunContext("d", "release", { ...release, installation: { id: 1 } });
    const tag = (release.release as { tag_name: string }).tag_name;
    expect(published.ok && published.value).toMatchObject({
      eventName: "release",
      action: "published",
      ref: `refs/tags/${tag}`,
    });
    const draft = {
      ...release,
      action: "created",
      installation: { id: 1 },
      release: { ...(release.release as object), draft: true },
    };
    expect(githubRunContext("d", "release", draft)).toEqual({
      ok: false,
      reason: "release created of a draft starts no run",
    });
  });
});
