/**
 * Secret scopes on a forge other than GitHub, named host-qualified as Flotilla names its projects
 * (`gitlab.example.com/group/sub/project`): a project or any group above it is a scope, groups
 * nest, and a project's secrets come from itself first, then each enclosing group, innermost
 * first — never from the host alone, which would hand one group's secrets to every project on
 * that GitLab. GitHub's `owner/repo` scopes are unchanged.
 */
import { describe, expect, it } from "vitest";
import { scopesOf, secretScope } from "../../../bot/secrets/names.ts";

describe("host-qualified secret scopes", () => {
  it("accepts a project, a subgroup and a group, lower-cased", () => {
    expect(secretScope("gitlab.example.com/acme/sub/proj")).toEqual({
      ok: true,
      value: { scope: "gitlab.example.com/acme/sub/proj", kind: "repository" },
    });
    expect(secretScope("GitLab.Example.com/Acme")).toEqual({
      ok: true,
      value: { scope: "gitlab.example.com/acme", kind: "organisation" },
    });
    expect(secretScope("gitlab.example.com:8443/acme/proj")).toMatchObject({
      ok: true,
      value: { scope: "gitlab.example.com:8443/acme/proj" },
    });
  });

  it("refuses the host alone, empty segments and a .git name", () => {
    for (const scope of [
      "gitlab.example.com",
      "gitlab.example.com/",
      "gitlab.example.com/acme//proj",
      "gitlab.example.com/acme/proj.git",
    ])
      expect(secretScope(scope)).toEqual({
        ok: false,
        reason: `"${scope}" is neither HOST/GROUP nor HOST/GROUP/PROJECT`,
      });
  });

  it("a nested project's secrets come from itself, then each enclosing group, never the host", () => {
    expect(scopesOf("gitlab.example.com/acme/sub/proj")).toEqual([
      "gitlab.example.com/acme/sub/proj",
      "gitlab.example.com/acme/sub",
      "gitlab.example.com/acme",
    ]);
    expect(scopesOf("GitLab.example.com/Acme/Proj")).toEqual([
      "gitlab.example.com/acme/proj",
      "gitlab.example.com/acme",
    ]);
  });

  it("leaves GitHub's scopes as they were", () => {
    expect(scopesOf("Acme/App")).toEqual(["acme/app", "acme"]);
    expect(secretScope("acme/app")).toEqual({ ok: true, value: { scope: "acme/app", kind: "repository" } });
    expect(secretScope("acme/app/extra")).toEqual({
      ok: false,
      reason: '"acme/app/extra" is neither OWNER nor OWNER/REPO',
    });
  });
});
