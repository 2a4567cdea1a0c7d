/**
 * GitLab's own example hooks (test/fixtures/gitlab, read verbatim) as the RunContext the
 * planner plans from: a push runs at `after` on its branch or tag, named host-qualified, with
 * the files its listed commits touched (or none known when GitLab listed only some); a deleted
 * branch starts nothing; a merge request opened, reopened or given new commits is a
 * `pull_request` (opened / reopened / synchronize) at its head `refs/merge-requests/<iid>/head`,
 * a fork's when the source project is another; any other merge request event starts nothing.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gitlabRunContext } from "../../../../bot/forges/gitlab/event-context.ts";
import { githubRunContext } from "../../../../bot/forges/github/event-context.ts";
import { examplePayload } from "../../../helpers/webhooks.ts";

type Json = Record<string, unknown>;

const HOST = "gitlab.example.com";

function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../../../fixtures/gitlab/${name}`, import.meta.url), "utf8")) as Json;
}

/** The merge request example with its `object_attributes` changed. */
function mergeRequest(attrs: Json): Json {
  const payload = fixture("merge-request-hook.json");
  payload.object_attributes = { ...(payload.object_attributes as Json), ...attrs };
  return payload;
}

const context = (name: string, payload: Json) => gitlabRunContext(HOST, "delivery-1", name, payload);

describe("Push Hook", () => {
  it("runs at `after` on the pushed branch, named with the host, private as the project is", () => {
    expect(context("Push Hook", fixture("push-hook.json"))).toEqual({
      ok: true,
      value: {
        forge: "gitlab",
        deliveryId: "delivery-1",
        repo: { owner: "gitlab.example.com/mike", name: "diaspora", fullName: "gitlab.example.com/mike/diaspora" },
        private: true,
        eventName: "push",
        sha: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
        ref: "refs/heads/master",
        filterRef: { kind: "branch", name: "master" },
        actor: "jsmith",
        checkout: { cloneUrl: "http://example.com/mike/diaspora.git" },
        fork: false,
        // The example pushed 4 commits and lists 2: the other two's files are unknown, so paths filters match.
        changedFiles: undefined,
        contexts: { gitlab: fixture("push-hook.json") },
      },
    });
  });

  it("knows the changed files when every pushed commit is listed, each path once", () => {
    const payload = { ...fixture("push-hook.json"), total_commits_count: 2 };
    const result = context("Push Hook", payload);
    expect(result.ok && result.value.changedFiles).toEqual(["CHANGELOG", "app/controller/application.rb"]);
  });

  it("a public project's push is not private; internal (10) counts as private", () => {
    const project = (visibility_level: number) => {
      const payload = fixture("push-hook.json");
      payload.project = { ...(payload.project as Json), visibility_level };
      const result = context("Push Hook", payload);
      return result.ok && result.value.private;
    };
    expect(project(20)).toBe(false);
    expect(project(10)).toBe(true);
  });

  it("a deleted branch (after all zeros, no checkout_sha) starts nothing", () => {
    const payload = { ...fixture("push-hook.json"), after: "0".repeat(40), checkout_sha: null, commits: [] };
    expect(context("Push Hook", payload)).toEqual({ ok: false, reason: "push deleted a ref" });
  });
});

describe("Tag Push Hook", () => {
  it("runs at the tag, filtered as a tag", () => {
    // GitLab sends user_username with tag pushes as with pushes; its documented example omits it.
    const payload = { ...fixture("tag-push-hook.json"), user_username: "jsmith" };
    expect(context("Tag Push Hook", payload)).toMatchObject({
      ok: true,
      value: {
        eventName: "push",
        sha: "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
        ref: "refs/tags/v1.0.0",
        filterRef: { kind: "tag", name: "v1.0.0" },
        actor: "jsmith",
        repo: { fullName: "gitlab.example.com/jsmith/example" },
        changedFiles: undefined,
      },
    });
  });
});

describe("Tag Push Hook of an annotated tag", () => {
  it("runs at the tagged commit (checkout_sha), not at the tag object (`after`)", () => {
    const tagObject = "4f1e2c9d8b7a6f5e4d3c2b1a09f8e7d6c5b4a392";
    const payload = {
      ...fixture("tag-push-hook.json"),
      user_username: "jsmith",
      after: tagObject,
      checkout_sha: "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
    };
    expect(context("Tag Push Hook", payload)).toMatchObject({
      ok: true,
      value: { sha: "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7", ref: "refs/tags/v1.0.0" },
    });
  });
});

describe("Merge Request Hook", () => {
  it("opened is pull_request `opened` at the merge request's head ref", () => {
    expect(context("Merge Request Hook", fixture("merge-request-hook.json"))).toEqual({
      ok: true,
      value: {
        forge: "gitlab",
        deliveryId: "delivery-1",
        repo: {
          owner: "gitlab.example.com/gitlabhq",
          name: "gitlab-test",
          fullName: "gitlab.example.com/gitlabhq/gitlab-test",
        },
        private: false,
        eventName: "pull_request",
        action: "opened",
        sha: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
        ref: "refs/merge-requests/1/head",
        filterRef: { kind: "branch", name: "master" },
        actor: "root",
        checkout: { cloneUrl: "http://example.com/gitlabhq/gitlab-test.git", ref: "refs/merge-requests/1/head" },
        fork: false,
        pullRequest: {
          number: 1,
          headRef: "ms-viewport",
          baseRef: "master",
          author: "root",
          headOwner: "awesome_space",
        },
        contexts: { gitlab: fixture("merge-request-hook.json") },
      },
    });
  });

  it("reopen is `reopened`, update with new commits (oldrev) is `synchronize`", () => {
    const action = (attrs: Json) => {
      const result = context("Merge Request Hook", mergeRequest(attrs));
      return result.ok ? result.value.action : result.reason;
    };
    expect(action({ action: "reopen" })).toBe("reopened");
    expect(action({ action: "update", oldrev: "95790bf891e76fee5e1747ab589903a6a1f80f22" })).toBe("synchronize");
  });

  it("from another project is a fork's, its owner the source's namespace (nested groups kept)", () => {
    const payload = mergeRequest({
      iid: 7,
      source_project_id: 99,
      source: {
        path_with_namespace: "alice/sub/gitlab-test",
        git_http_url: "http://example.com/alice/sub/gitlab-test.git",
      },
    });
    const result = context("Merge Request Hook", payload);
    expect(result).toMatchObject({
      ok: true,
      value: {
        fork: true,
        ref: "refs/merge-requests/7/head",
        // A fork's commits are fetched from the target, which holds them under its merge request ref.
        checkout: { cloneUrl: "http://example.com/gitlabhq/gitlab-test.git", ref: "refs/merge-requests/7/head" },
        pullRequest: { number: 7, headOwner: "alice/sub" },
      },
    });
  });

  it("an update without new commits, a close and a merge start nothing", () => {
    const reason = (attrs: Json) => {
      const result = context("Merge Request Hook", mergeRequest(attrs));
      return result.ok ? "started a run" : result.reason;
    };
    expect(reason({ action: "update" })).toBe("merge request update without new commits starts no run");
    expect(reason({ action: "close", state: "closed" })).toBe("merge request close starts no run");
    expect(reason({ action: "merge", state: "merged" })).toBe("merge request merge starts no run");
  });

  it("a note starts no run", () => {
    expect(context("Note Hook", fixture("note-hook-merge-request.json"))).toEqual({
      ok: false,
      reason: "Note Hook starts no run",
    });
  });
});

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
