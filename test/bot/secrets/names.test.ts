import { describe, expect, it } from "vitest";
import { applySecretChain } from "../../../bot/secrets/call-chain.ts";
import { secretName, secretScope } from "../../../bot/secrets/names.ts";
import { ALL_SECRETS, neededSecretNames, secretsIn } from "../../../bot/secrets/needed-names.ts";

describe("secret names and scopes", () => {
  it("follows GitHub's rules, case-insensitively", () => {
    expect(secretName("deploy_key")).toEqual({ ok: true, value: "DEPLOY_KEY" });
    expect(secretName("_x1")).toEqual({ ok: true, value: "_X1" });
    expect(secretName("1ABC")).toEqual({ ok: false, reason: expect.stringMatching(/must not start with a digit/) });
    expect(secretName("MY-KEY")).toEqual({ ok: false, reason: expect.stringMatching(/letters, digits and '_'/) });
    expect(secretName("github_token")).toEqual({
      ok: false,
      reason: expect.stringMatching(/must not start with GITHUB_/),
    });
    expect(secretScope("Acme/App")).toEqual({ ok: true, value: { scope: "acme/app", kind: "repository" } });
    expect(secretScope("acme")).toEqual({ ok: true, value: { scope: "acme", kind: "organisation" } });
    expect(secretScope("a/b/c")).toEqual({ ok: false, reason: expect.stringMatching(/neither OWNER nor OWNER\/REPO/) });
  });
});

describe("which secrets a job reads", () => {
  const job = (steps: object[], extra: object = {}) =>
    ({ steps, env: {}, outputs: {}, defaults: {}, ...extra }) as Parameters<typeof neededSecretNames>[0];

  it("finds secrets.NAME and secrets['NAME'] in templates and conditions, and nothing in plain text", () => {
    const names = neededSecretNames(
      job(
        [
          {
            name: "a",
            run: "echo ${{ secrets.Token }} and ${{ format('{0}', secrets['db_pass']) }}; ls secrets/",
            env: { K: "${{ secrets.API_KEY }}" },
            with: {},
          },
          { name: "b", if: "secrets.DEPLOY != ''", with: { t: "${{ secrets.WITH_ONE }}" }, env: {} },
        ],
        { env: { J: "${{ SECRETS.job_level }}" }, outputs: { o: "${{ steps.x.outputs.secrets }}" } },
      ),
    );
    expect(names).toEqual(["API_KEY", "DB_PASS", "DEPLOY", "JOB_LEVEL", "TOKEN", "WITH_ONE"]);
    expect(
      neededSecretNames(job([{ name: "c", run: "echo 'secrets.X is not an expression'", env: {}, with: {} }])),
    ).toEqual([]);
  });

  it("asks for all of them when the job reads the whole context", () => {
    expect(secretsIn(" toJSON(secrets) ")).toBe("all");
    expect(secretsIn("secrets[matrix.name]")).toBe("all");
    expect(secretsIn("format('secrets {0}', 1)")).toEqual([]);
    expect(neededSecretNames(job([{ name: "d", run: "echo '${{ toJSON(secrets) }}'", env: {}, with: {} }]))).toEqual([
      ALL_SECRETS,
    ]);
  });
});

describe("secrets passed to a called workflow", () => {
  const stored = { DEPLOY_KEY: "k1", NPM: "n1" };
  it("applies each call's `secrets:` in turn: inherit, maps, nested maps, literals", () => {
    expect(applySecretChain(stored, [])).toEqual(stored);
    expect(applySecretChain(stored, ["inherit"])).toEqual(stored);
    expect(applySecretChain(stored, [{ token: "${{ secrets.DEPLOY_KEY }}", plain: "literal" }])).toEqual({
      token: "k1",
      plain: "literal",
    });
    expect(
      applySecretChain(stored, [{ token: "${{ secrets.DEPLOY_KEY }}" }, "inherit", { inner: "${{ secrets.token }}" }]),
    ).toEqual({ inner: "k1" });
    // Nothing passed: the called workflow sees none.
    expect(applySecretChain(stored, [{}])).toEqual({});
  });
});
