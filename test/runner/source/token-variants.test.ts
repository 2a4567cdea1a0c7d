/**
 * How a clone token reaches git and is masked: a GitLab deploy token arrives as
 * `username:secret` and is sent as HTTP Basic with that user; a bare token (GitHub's) as
 * `x-access-token`. Every spelling in which the token could surface in a log — the whole, the
 * secret alone, and the Basic header's base64 — is among what the job log masks.
 */
import { describe, expect, it } from "vitest";
import { basicCredentials, tokenVariants } from "../../../runner/source/checkout.ts";

const decoded = (basic: string) => Buffer.from(basic, "base64").toString();

describe("clone token credentials", () => {
  it("sends a deploy token with its own user name", () => {
    expect(decoded(basicCredentials("gitlab+deploy-token-1:gldt-s3cretValue"))).toBe(
      "gitlab+deploy-token-1:gldt-s3cretValue",
    );
  });

  it("sends a bare token as x-access-token", () => {
    expect(decoded(basicCredentials("ghs_abcdef123"))).toBe("x-access-token:ghs_abcdef123");
  });

  it("masks a deploy token whole, its secret alone and its Basic form", () => {
    const token = "gitlab+deploy-token-1:gldt-s3cretValue";
    const variants = tokenVariants(token);
    expect(variants).toContain(token);
    expect(variants).toContain("gldt-s3cretValue");
    expect(variants).toContain(Buffer.from(token).toString("base64"));
    expect(variants).not.toContain("gitlab+deploy-token-1");
  });

  it("masks a bare token and the Basic form git is sent", () => {
    expect(tokenVariants("ghs_abcdef123")).toEqual(
      expect.arrayContaining(["ghs_abcdef123", Buffer.from("x-access-token:ghs_abcdef123").toString("base64")]),
    );
  });
});
