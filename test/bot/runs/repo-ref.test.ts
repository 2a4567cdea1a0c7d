/**
 * Repository names across forges: GitHub's `owner/name` as before, another forge's
 * host-qualified (`gitlab.example.com/group/sub/project`) with the owner everything before the
 * last `/` (GitLab groups nest), and the path the forge itself knows (`github.repository`, the
 * API's project id) without the host — while a GitHub name is never mistaken for one with a host.
 */
import { describe, expect, it } from "vitest";
import { isHost, repoPath, repoRef } from "../../../bot/runs/repo-ref.ts";

describe("repoRef", () => {
  it("splits a GitHub name into owner and name", () => {
    expect(repoRef("acme/app")).toEqual({ owner: "acme", name: "app", fullName: "acme/app" });
  });

  it("keeps a host-qualified name's host and nested groups in the owner", () => {
    expect(repoRef("gitlab.example.com/acme/sub/proj")).toEqual({
      owner: "gitlab.example.com/acme/sub",
      name: "proj",
      fullName: "gitlab.example.com/acme/sub/proj",
    });
  });
});

describe("repoPath", () => {
  it("drops the host, keeping every group", () => {
    expect(repoPath("gitlab.example.com/acme/sub/proj")).toBe("acme/sub/proj");
    expect(repoPath("127.0.0.1:8080/acme/proj")).toBe("acme/proj");
  });

  it("leaves a GitHub name whole, a repository name with dots included", () => {
    expect(repoPath("acme/app")).toBe("acme/app");
    expect(repoPath("acme/my.app")).toBe("acme/my.app");
  });
});

describe("isHost", () => {
  it("is a segment with a dot or a port; GitHub owners have neither", () => {
    expect(isHost("gitlab.example.com")).toBe(true);
    expect(isHost("localhost:3000")).toBe(true);
    expect(isHost("acme")).toBe(false);
    expect(isHost("my-org-2")).toBe(false);
  });
});
