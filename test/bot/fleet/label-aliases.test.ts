/**
 * A namespace's label aliases: which labels a job asks for there, how `--alias` is read, and
 * which labels are GitHub's hosted runners' (what `validate` and queued check runs warn about).
 */
import { describe, expect, it } from "vitest";
import { applyAliases, githubHostedLabels, parseAlias } from "../../../bot/fleet/label-aliases.ts";

describe("label aliases", () => {
  it("replace each aliased label, case-insensitively, keeping the others once", () => {
    const aliases = { "ubuntu-latest": ["linux", "x64"], "macos-14": ["macos", "arm64"] };
    expect(applyAliases(["Ubuntu-Latest"], aliases)).toEqual(["linux", "x64"]);
    expect(applyAliases(["ubuntu-latest", "x64", "gpu"], aliases)).toEqual(["linux", "x64", "gpu"]);
    expect(applyAliases(["self-hosted", "arm64"], aliases)).toEqual(["self-hosted", "arm64"]);
    expect(applyAliases(["ubuntu-latest"], {})).toEqual(["ubuntu-latest"]);
  });

  it("are written LABEL=LABEL[,LABEL…]", () => {
    expect(parseAlias("ubuntu-24.04=linux, x64")).toEqual({ ok: true, value: ["ubuntu-24.04", ["linux", "x64"]] });
    for (const bad of ["ubuntu-latest", "ubuntu-latest=", "=linux", "a b=linux", "x=li nux"])
      expect(parseAlias(bad).ok, bad).toBe(false);
  });

  it("know GitHub's hosted labels", () => {
    expect(
      githubHostedLabels(["ubuntu-latest", "ubuntu-24.04", "macos-14", "windows-2022", "self-hosted", "ubuntu"]),
    ).toEqual(["ubuntu-latest", "ubuntu-24.04", "macos-14", "windows-2022"]);
  });
});
