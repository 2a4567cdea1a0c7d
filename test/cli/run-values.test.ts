/**
 * What `flotilla run` is given instead of the bot's stores, as act takes it: `--secret` and a
 * dotenv `--secret-file` (masked wherever they would show), `--var`/`--var-file` as `vars`,
 * `--env`/`--env-file` over the workflow's env — and a bad one is named before anything runs.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSuite, summaryRows } from "./flotilla-run.ts";

const { repo, flotillaRun } = runSuite("flotilla-run-values-");

describe("flotilla run: secrets, vars and env", () => {
  it("gives --secret and --secret-file to secrets.*, a flag over the file, masked in the log and the summary", async () => {
    const dir = await repo({
      ".flotilla/workflows/ci.yml": `on: push
jobs:
  deploy:
    runs-on: self-hosted
    steps:
      - run: |
          echo "token=\${{ secrets.DEPLOY_TOKEN }}"
          test "\${{ secrets.DEPLOY_TOKEN }}" = "from-the-flag" && echo "token is the flag's"
          test "$PASSWORD" = "multi word pass" && echo "password from the file"
          echo "raw=$PASSWORD"
          echo "missing=[\${{ secrets.NOT_GIVEN }}]"
          test "\${{ secrets.SHELL_SECRET }}" = "from-the-shell" && echo "shell secret given"
          test "\${{ github.token }}" = "ghp_local" && echo "github.token is GITHUB_TOKEN"
          echo "::error::login failed with $PASSWORD"
          exit 1
        env:
          PASSWORD: \${{ secrets.password }}
`,
    });
    await writeFile(
      join(dir, ".secrets"),
      '# act\'s format\nDEPLOY_TOKEN=from-the-file\nexport PASSWORD="multi word pass"\n',
    );
    await writeFile(join(dir, ".gitignore"), ".secrets\n");
    const result = await flotillaRun(
      dir,
      [
        "--secret-file",
        ".secrets",
        "-s",
        "DEPLOY_TOKEN=from-the-flag",
        "--secret",
        "SHELL_SECRET",
        "-s",
        "GITHUB_TOKEN=ghp_local",
      ],
      { SHELL_SECRET: "from-the-shell" },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("[deploy] token=***");
    expect(result.stdout).toContain("[deploy] token is the flag's");
    expect(result.stdout).toContain("[deploy] password from the file");
    expect(result.stdout).toContain("[deploy] raw=***");
    expect(result.stdout).toContain("[deploy] missing=[]");
    expect(result.stdout).toContain("[deploy] shell secret given");
    expect(result.stdout).toContain("[deploy] github.token is GITHUB_TOKEN");
    expect(result.stdout).toContain("Secrets with no value for this job (empty): NOT_GIVEN");
    expect(result.stdout).toContain("error: login failed with *** (deploy)");
    expect(result.all).not.toContain("from-the-flag");
    expect(result.all).not.toContain("multi word pass");
    expect(result.all).not.toContain("from-the-shell");
    expect(result.all).not.toContain("ghp_local");
  });

  it("fills vars from --var and --var-file, for job conditions and steps alike", async () => {
    const dir = await repo({
      ".flotilla/workflows/ci.yml": `on: push
jobs:
  deploy:
    if: vars.DEPLOY == 'yes'
    runs-on: self-hosted
    steps:
      - run: echo "deploying to \${{ vars.REGION }} with \${{ vars.size }}"
  audit:
    if: vars.AUDIT == 'yes'
    runs-on: self-hosted
    steps:
      - run: echo auditing
`,
      "ci.vars": "REGION=eu-west\nSIZE=small\n",
    });
    const result = await flotillaRun(dir, ["--var", "deploy=yes", "--var-file", "ci.vars", "--var", "SIZE=large"]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain("[deploy] deploying to eu-west with large");
    expect(summaryRows(result.stdout)).toEqual([
      ["deploy", "success"],
      ["audit", "skipped"],
    ]);
  });

  it("sets --env and --env-file over the workflow's and the job's env; a step's own env still wins", async () => {
    const dir = await repo({
      ".flotilla/workflows/ci.yml": `on: push
env:
  STAGE: workflow
  KEPT: from-workflow
jobs:
  show:
    runs-on: self-hosted
    env:
      LEVEL: job
    steps:
      - run: echo "stage=$STAGE level=$LEVEL kept=$KEPT extra=$EXTRA expr=\${{ env.STAGE }}"
      - run: echo "step level=$LEVEL"
        env:
          LEVEL: step
`,
      "local.env": "EXTRA=from-file\nLEVEL=file\n",
    });
    const result = await flotillaRun(dir, ["--env-file", "local.env", "--env", "STAGE=cli"]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain("[show] stage=cli level=file kept=from-workflow extra=from-file expr=cli");
    expect(result.stdout).toContain("[show] step level=step");
  });

  it("names every bad value and file before anything runs", async () => {
    const dir = await repo({
      ".flotilla/workflows/ci.yml":
        "on: push\njobs:\n  a:\n    runs-on: self-hosted\n    steps:\n      - run: echo ran\n",
    });
    const result = await flotillaRun(dir, [
      "--secret",
      "9LIVES=x",
      "--var",
      "GITHUB_SHA=x",
      "--secret-file",
      "nope.env",
      "--secret",
      "NOT_IN_SHELL",
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('flotilla run: --secret: "9LIVES" is not a valid name');
    expect(result.stderr).toContain('flotilla run: --var: "GITHUB_SHA" is not a valid name');
    expect(result.stderr).toMatch(/flotilla run: --secret-file nope\.env: cannot read it: ENOENT/);
    expect(result.stderr).toContain(
      'flotilla run: --secret NOT_IN_SHELL: no "=" and no NOT_IN_SHELL in the environment',
    );
    expect(result.all).not.toContain("ran");
  });
});
