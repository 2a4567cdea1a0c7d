/**
 * How a followed plain git repository is named: host-qualified as runs/repo-ref.ts expects, so
 * its name never looks like GitHub's `owner/name` and namespaces follow it with globs.
 */
import { describe, expect, it } from "vitest";
import { gitRepoName, normalizeGitUrl } from "../../../../bot/forges/git/repo-name.ts";
import { isHost, repoPath, repoRef } from "../../../../bot/runs/repo-ref.ts";
import { followsRepository } from "../../../../bot/fleet/namespace-follows.ts";

describe("gitRepoName", () => {
  it.each([
    ["https://git.example.com/team/app.git", "git.example.com/team/app"],
    ["https://user:secret@git.example.com/team/app", "git.example.com/team/app"],
    ["https://git.example.com:8443/team/sub/app.git/", "git.example.com:8443/team/sub/app"],
    ["git://git.example.com/app.git", "git.example.com/app"],
    ["ssh://git@Git.Example.com/team/app.git", "git.example.com/team/app"],
    ["git@git.example.com:team/app.git", "git.example.com/team/app"],
    ["/srv/git/app.git", "git.local/srv/git/app"],
    ["file:///srv/git/app.git", "git.local/srv/git/app"],
    ["/srv/my repos/app", "git.local/srv/my_repos/app"],
  ])("%s → %s", (url, name) => {
    expect(gitRepoName(url)).toBe(name);
  });

  it("names a repository host-qualified: its first segment is a host, never a GitHub owner", () => {
    for (const url of ["/tmp/x/repo.git", "https://h.example/a/b", "git@h.example:a/b"]) {
      const name = gitRepoName(url);
      expect(isHost(name.split("/")[0]!)).toBe(true);
      expect(repoRef(name).fullName).toBe(name);
    }
    expect(repoPath("git.local/srv/git/app")).toBe("srv/git/app");
  });

  it("is followed with the usual globs", () => {
    expect(followsRepository(["git.local/**"], gitRepoName("/tmp/a/b/repo.git"))).toBe(true);
    expect(followsRepository(["git.example.com/team/*"], gitRepoName("https://git.example.com/team/app"))).toBe(true);
    expect(followsRepository(["acme/*"], gitRepoName("/acme/app"))).toBe(false);
  });
});

describe("normalizeGitUrl", () => {
  it("makes a relative path absolute and leaves URLs alone", () => {
    expect(normalizeGitUrl("repo.git", "/srv/git")).toBe("/srv/git/repo.git");
    expect(normalizeGitUrl("../other", "/srv/git")).toBe("/srv/other");
    expect(normalizeGitUrl("https://h.example/a.git", "/x")).toBe("https://h.example/a.git");
    expect(normalizeGitUrl("git@h.example:a.git", "/x")).toBe("git@h.example:a.git");
    expect(normalizeGitUrl("file:///a/b", "/x")).toBe("file:///a/b");
  });
});
