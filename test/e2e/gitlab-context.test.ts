/**
 * The `gitlab` context end to end: a GitLab project's workflow reads GitLab's own hook fields
 * (`gitlab.object_kind`, `gitlab.project.path_with_namespace`…) in a job's `if` (decided by the
 * bot), a job's `env` and a step's `if` and `run` (evaluated by the runner); a GitHub repository's
 * workflow naming it is refused as GitHub refuses it. Real bot, runner,
 * NATS, Postgres and git; GitLab is the fake.
 */
import { describe, expect, it } from "vitest";
import { gitlabFlotillaSuite } from "../helpers/gitlab-flotilla.ts";

const s = gitlabFlotillaSuite();

const WORKFLOW = `name: ctx
on: push
jobs:
  show:
    if: gitlab.object_kind == 'push'
    runs-on: \${{ gitlab.object_kind == 'push' && 'self-hosted' || 'nowhere' }}
    env:
      KIND: \${{ gitlab.object_kind }}
    steps:
      - run: echo "\${{ gitlab.project.path_with_namespace }} \${{ gitlab.object_kind }}"
      - if: gitlab.user_username == 'alice'
        run: printf 'by-%s kind-%s\\n' "\${{ gitlab.user_username }}" "$KIND"
      - if: gitlab.object_kind == 'merge_request'
        run: printf 'mr-%s\\n' step-ran
  review:
    if: gitlab.object_kind == 'merge_request'
    runs-on: self-hosted
    steps:
      - run: echo review
`;

describe("the gitlab context", { timeout: 240_000 }, () => {
  it("carries GitLab's hook to the bot's job ifs and the runner's steps", async () => {
    const { sha } = await s.pushProject("acme/context", {
      ".flotilla/workflows/ctx.yml": WORKFLOW,
      "project.txt": "acme/context\n",
    });
    const [show, review, run] = await s.settled(sha, ["show", "review", "flotilla/ctx"]);
    expect(show).toMatchObject({ status: "success" });
    expect(review).toMatchObject({ status: "skipped" });
    expect(run).toMatchObject({ status: "success" });
    expect(s.history(sha, "review")).not.toContain("running");

    const page = await (await fetch(show!.targetUrl!)).text();
    expect(page).toContain("acme/context push");
    expect(page).toContain("by-alice kind-push");
    expect(page).not.toContain("mr-step-ran");
  });

  it("does not exist for a GitHub repository: the same workflow is refused with GitHub's message", async () => {
    const { repo, sha } = await s.f.repository("acme", "context", { ".flotilla/workflows/ctx.yml": WORKFLOW });
    await s.f.push(repo, sha);
    const run = await s.f.fake.waitForCheckRun(
      ".flotilla/workflows/ctx.yml",
      (r) => r.run.head_sha === sha && r.run.status === "completed",
    );
    expect(run.run.conclusion).toBe("failure");
    expect(run.annotations.length).toBeGreaterThan(0);
    for (const annotation of run.annotations)
      expect(annotation).toMatchObject({
        path: ".flotilla/workflows/ctx.yml",
        message: "Unrecognized named-value: 'gitlab'",
      });
  });
});
