/**
 * GitHub's steering webhooks, from its own examples (`@octokit/webhooks-examples`), into
 * SteerEvents — and every delivery that steers nothing refused with the reason. None of them
 * is a run event: the planner, which reads every stored event, plans nothing for them.
 */
import { describe, expect, it } from "vitest";
import { githubRunContext } from "../../../../bot/forges/github/event-context.ts";
import { githubSteerEvent } from "../../../../bot/forges/github/steer-event.ts";
import type { JsonObject } from "../../../helpers/fake-github/types.ts";
import { examplePayload } from "../../../helpers/webhooks.ts";

const withInstallation = (e: JsonObject) => Boolean(e.installation);
const steer = (name: string, payload: JsonObject) => githubSteerEvent("delivery-1", name, payload);

/** GitHub's examples of new comments are all on issues: this one is made a pull request's. */
function prComment(change: (payload: JsonObject) => void = () => {}): JsonObject {
  const payload = examplePayload("issue_comment", "created", withInstallation);
  const issue = payload.issue as JsonObject;
  issue.pull_request = {
    url: `https://api.github.com/repos/Codertocat/Hello-World/pulls/${issue.number}`,
    html_url: `https://github.com/Codertocat/Hello-World/pull/${issue.number}`,
  };
  change(payload);
  return payload;
}

describe("issue_comment", () => {
  it("created on a pull request is a comment: who, where, which comment, its body", () => {
    expect(steer("issue_comment", prComment())).toEqual({
      ok: true,
      value: {
        forge: "github",
        deliveryId: "delivery-1",
        installationId: 1,
        repo: { owner: "Codertocat", name: "Hello-World", fullName: "Codertocat/Hello-World" },
        sender: "Codertocat",
        kind: "comment",
        pullNumber: 1,
        commentId: 492700400,
        body: "You are totally right! I'll get this fixed right away.",
      },
    });
  });

  it("steers nothing on an issue, edited, deleted, or written by a bot", () => {
    const bot = (p: JsonObject) => {
      p.sender = { ...(p.sender as JsonObject), login: "dependabot[bot]", type: "Bot" };
      (p.comment as JsonObject).user = p.sender;
    };
    const cases: [JsonObject, string][] = [
      [
        examplePayload("issue_comment", "created", withInstallation),
        "issue_comment on #1, an issue, not a pull request",
      ],
      [prComment((p) => (p.action = "edited")), "issue_comment edited: only a new comment steers"],
      [prComment((p) => (p.action = "deleted")), "issue_comment deleted: only a new comment steers"],
      [prComment(bot), "issue_comment by dependabot[bot], a bot"],
      [prComment((p) => delete p.installation), "issue_comment payload lacks installation"],
      [prComment((p) => delete (p.comment as JsonObject).body), "issue_comment payload lacks comment.body"],
    ];
    for (const [payload, reason] of cases) expect(steer("issue_comment", payload)).toEqual({ ok: false, reason });
    // GitHub's own examples of edits and deletions, as they come (with an installation added).
    for (const action of ["edited", "deleted"]) {
      const payload = { ...examplePayload("issue_comment", action), installation: { id: 1 } };
      expect(steer("issue_comment", payload)).toEqual({
        ok: false,
        reason: `issue_comment ${action}: only a new comment steers`,
      });
    }
  });
});

describe("check_run", () => {
  it("rerequested is a re-run of the job its external id names", () => {
    const payload = examplePayload("check_run", "rerequested");
    (payload.check_run as JsonObject).external_id = "0190a3b4-job";
    expect(steer("check_run", payload)).toEqual({
      ok: true,
      value: {
        forge: "github",
        deliveryId: "delivery-1",
        installationId: 1,
        repo: { owner: "github", name: "hello-world", fullName: "github/hello-world" },
        sender: "octocat",
        kind: "rerun-job",
        jobId: "0190a3b4-job",
      },
    });
  });

  it("requested_action of the Cancel button cancels the job", () => {
    const payload = examplePayload("check_run", "requested_action");
    payload.requested_action = { identifier: "cancel" };
    (payload.check_run as JsonObject).external_id = "0190a3b4-job";
    expect(steer("check_run", payload)).toEqual({
      ok: true,
      value: {
        forge: "github",
        deliveryId: "delivery-1",
        installationId: 690857,
        repo: { owner: "electron", name: "electron", fullName: "electron/electron" },
        sender: "codebytere",
        kind: "cancel-job",
        jobId: "0190a3b4-job",
      },
    });
  });

  it("steers nothing for a check run with no external id, another button, or another action", () => {
    const cancelOf = (externalId: string | null) => {
      const payload = examplePayload("check_run", "requested_action");
      payload.requested_action = { identifier: "cancel" };
      (payload.check_run as JsonObject).external_id = externalId;
      return payload;
    };
    const noRequestedAction = examplePayload("check_run", "requested_action");
    delete noRequestedAction.requested_action;
    const completed = { ...examplePayload("check_run", "completed"), installation: { id: 1 } };
    const cases: [JsonObject, string][] = [
      // As GitHub's examples come: made by an app that sets no external id.
      [examplePayload("check_run", "rerequested"), "check_run rerequested: check run 4 has no external id, so no job"],
      [cancelOf(""), "check_run requested_action: check run 1494503112 has no external id, so no job"],
      [cancelOf(null), "check_run requested_action: check run 1494503112 has no external id, so no job"],
      [examplePayload("check_run", "requested_action"), 'check_run requested_action: no button "lgtm|26764"'],
      [noRequestedAction, "check_run payload lacks requested_action"],
      [completed, "check_run completed steers nothing"],
    ];
    for (const [payload, reason] of cases) expect(steer("check_run", payload)).toEqual({ ok: false, reason });
  });
});

describe("check_suite", () => {
  it("rerequested is a re-run of its head commit", () => {
    expect(steer("check_suite", examplePayload("check_suite", "rerequested"))).toEqual({
      ok: true,
      value: {
        forge: "github",
        deliveryId: "delivery-1",
        installationId: 957387,
        repo: { owner: "Codertocat", name: "Hello-World", fullName: "Codertocat/Hello-World" },
        sender: "octocoders-linter[bot]",
        kind: "rerun-commit",
        headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      },
    });
  });

  it("steers nothing when requested or completed", () => {
    expect(steer("check_suite", examplePayload("check_suite", "requested"))).toEqual({
      ok: false,
      reason: "check_suite requested steers nothing",
    });
    const completed = { ...examplePayload("check_suite", "completed"), installation: { id: 1 } };
    expect(steer("check_suite", completed)).toEqual({ ok: false, reason: "check_suite completed steers nothing" });
  });
});

describe("other events", () => {
  it("steer nothing, and the steering events start no run", () => {
    expect(steer("push", examplePayload("push"))).toEqual({ ok: false, reason: "event push steers nothing" });
    const stored: [string, JsonObject][] = [
      ["issue_comment", prComment()],
      ["check_run", examplePayload("check_run", "rerequested")],
      ["check_run", examplePayload("check_run", "requested_action")],
      ["check_suite", examplePayload("check_suite", "rerequested")],
    ];
    for (const [name, payload] of stored)
      expect(githubRunContext("d", name, payload)).toEqual({ ok: false, reason: `event ${name} starts no run` });
  });
});
