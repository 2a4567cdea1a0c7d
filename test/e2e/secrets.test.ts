/**
 * Secrets end to end: an operator sets repository and organisation secrets (API and the
 * `flotilla secret` command), a job that reads them gets them from the bot when it starts and
 * nothing of them leaves the runner unmasked — plain, split across two writes, multi-line, in
 * an annotation, in the step summary. A job that reads none asks for none, a fork's pull
 * request gets none, and a runner without the job's claim is refused.
 */
import { createHash, randomUUID } from "node:crypto";
import { join } from "node:path";
import type { Subscription } from "@nats-io/transport-node";
import { sql } from "drizzle-orm";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { encryptSecret, generateSecretsKey, parseSecretsKey } from "../../bot/secrets/crypto.ts";
import { decode, encode, SecretsReply, SecretsRequest } from "../../protocol/messages.ts";
import { BIN } from "../helpers/flotilla-bin.ts";
import type { CheckRunRecord } from "../helpers/fake-github.ts";
import { INSTALLATION_ID, startFlotilla, type Flotilla } from "../helpers/flotilla.ts";
import { cloneRepo, commitFiles } from "../helpers/git-repo.ts";
import { pullRequestPayload } from "../helpers/webhooks.ts";

// 24 characters, so the split write below cuts it in two halves no mask would see alone.
const TOKEN = "tok-Zq8vW3xL7pN2rT5yB9mK";
const MULTI = "-----BEGIN-LINE-ONE-7f3a\nsecond-line-of-key-9c2e";
const ORG = "org-wide-value-5d1c";
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

const requests: SecretsRequest[] = [];
let watch: Subscription;

const f = flotillaSuite({
  env: { FLOTILLA_SECRETS_KEY: generateSecretsKey() },
  runners: [{ name: "vault" }],
});

beforeAll(async () => {
  // A plain (not queue) subscriber sees every secrets request alongside the bot.
  watch = f.bot.bus.nc.subscribe(f.bot.bus.names.secretsFilter, {
    callback: (_e, msg) => void requests.push(decode(SecretsRequest, msg.data, "secrets request")),
  });
});

afterAll(async () => {
  watch?.unsubscribe();
});

function api(method: string, path: string, body?: unknown) {
  return fetch(`${f.publicUrl}/api/v1/secrets/${path}`, {
    method,
    headers: { authorization: `Bearer ${f.apiToken}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

async function logPage(run: CheckRunRecord): Promise<string> {
  return (await fetch(String(run.run.details_url))).text();
}

/** Everything of a check run a person can read on GitHub: title, summary, text, annotations. */
const visible = (run: CheckRunRecord) => JSON.stringify({ output: run.run.output, annotations: run.annotations });

async function jobIds(sha: string): Promise<Record<string, string>> {
  const rows = (await f.bot.db.db.execute(
    sql`select j.id, j.job_key from jobs j join runs r on r.id = j.run_id where r.sha = ${sha}`,
  )) as unknown as { id: string; job_key: string }[];
  return Object.fromEntries(rows.map((r) => [r.job_key, r.id]));
}

describe("repository and organisation secrets", () => {
  it("are set through the API and the CLI, listed by name only, and stored encrypted", async () => {
    expect((await api("PUT", "acme/vault/TOKEN", { value: TOKEN })).status).toBe(201);
    expect((await api("PUT", "acme/vault/multi_line", { value: MULTI })).status).toBe(201);
    // The organisation's TOKEN loses to the repository's own.
    expect((await api("PUT", "acme/TOKEN", { value: "org-token-must-not-win" })).status).toBe(201);
    const cli = await execa("node", [BIN, "secret", "set", "acme", "org_wide"], {
      input: `${ORG}\n`,
      env: { FLOTILLA_URL: f.publicUrl, FLOTILLA_API_TOKEN: f.apiToken },
      reject: false,
    });
    expect(cli.stderr).toBe("");
    expect(cli.stdout).toBe("set organisation secret ORG_WIDE for acme");
    expect(cli.exitCode).toBe(0);

    const listed = await execa("node", [BIN, "secret", "list", "acme/vault"], {
      env: { FLOTILLA_URL: f.publicUrl, FLOTILLA_API_TOKEN: f.apiToken },
    });
    expect(listed.stdout.split("\n").map((l) => l.split("\t")[0])).toEqual(["MULTI_LINE", "TOKEN"]);
    expect(listed.stdout).not.toContain(TOKEN);

    const bad = await api("PUT", "acme/vault/GITHUB_TOKEN", { value: "x" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/must not start with GITHUB_/);
    expect((await fetch(`${f.publicUrl}/api/v1/secrets/acme/vault`)).status).toBe(401);

    const rows = (await f.bot.db.db.execute(
      sql`select scope, name, key_id, ciphertext from secrets order by scope, name`,
    )) as unknown as { scope: string; name: string; ciphertext: string }[];
    expect(rows.map((r) => `${r.scope}:${r.name}`)).toEqual([
      "acme:ORG_WIDE",
      "acme:TOKEN",
      "acme/vault:MULTI_LINE",
      "acme/vault:TOKEN",
    ]);
    for (const row of rows) {
      for (const value of [TOKEN, ORG, "BEGIN-LINE-ONE", "second-line", Buffer.from(TOKEN).toString("base64")])
        expect(row.ciphertext).not.toContain(value);
    }
  });

  it("reach only the jobs that read them, and are masked in the log, annotations and summary", async () => {
    const { sha } = await f.pushRepository("acme", "vault", {
      ".flotilla/workflows/ci.yml": `name: CI
on: push
jobs:
  uses:
    runs-on: self-hosted
    steps:
      - name: print them every way
        env:
          S: \${{ secrets.TOKEN }}
          MULTI: \${{ secrets.multi_line }}
          ORG: \${{ secrets.ORG_WIDE }}
        run: |
          echo "plain: \${{ secrets.TOKEN }}"
          printf '%s' "\${S:0:12}"; sleep 0.2; printf '%s\\n' "\${S:12}"
          printf 'multi:\\n%s\\n' "$MULTI"
          echo "org: $ORG"
          echo "::error title=title \${S}::annotation \${S}"
          echo "summary \${S}" >> "$GITHUB_STEP_SUMMARY"
          echo "token sha $(printf '%s' "$S" | sha256sum | cut -c1-64)"
          echo "multi sha $(printf '%s' "$MULTI" | sha256sum | cut -c1-64)"
          echo "org sha $(printf '%s' "$ORG" | sha256sum | cut -c1-64)"
  call:
    uses: ./.flotilla/workflows/deploy.yml
    secrets:
      key: \${{ secrets.TOKEN }}
  plain:
    runs-on: self-hosted
    steps:
      - run: echo "no secrets read here"
`,
      ".flotilla/workflows/deploy.yml": `on:
  workflow_call:
    secrets:
      key: { required: true }
jobs:
  deploy:
    runs-on: self-hosted
    steps:
      - run: echo "called sha $(printf '%s' '\${{ secrets.key }}' | sha256sum | cut -c1-64) plain \${{ secrets.key }}"
`,
    });
    const [uses, deploy, plain] = await f.finished(sha, ["uses", "call / deploy", "plain"]);

    const log = await logPage(uses);
    // The values arrived: their hashes show (repository TOKEN over the organisation's), the values never do.
    expect(log).toContain(`token sha ${sha256(TOKEN)}`);
    expect(log).toContain(`multi sha ${sha256(MULTI)}`);
    expect(log).toContain(`org sha ${sha256(ORG)}`);
    expect(log).toContain("plain: ***");
    // The page marks each line up (its number, its anchor): the two masked lines as read.
    expect(log.replace(/<[^>]*>/g, "")).toMatch(/multi:\s*\*\*\*\s*\*\*\*/);
    expect(log).toContain("org: ***");
    for (const leak of [TOKEN, TOKEN.slice(0, 12), TOKEN.slice(12), "BEGIN-LINE-ONE", "second-line-of-key", ORG]) {
      expect(log).not.toContain(leak);
      expect(visible(uses)).not.toContain(leak);
    }
    expect(uses.annotations.map((a) => [a.title, a.message])).toEqual([["title ***", "annotation ***"]]);
    expect((uses.run.output as { summary: string }).summary).toContain("summary ***");
    // The split line (12 + 12 characters, 0.2 s apart) is one masked line.
    expect((uses.run.output as { text: string }).text).toMatch(/^\*\*\*$/m);

    // The called workflow got what its caller passed, under its own name.
    expect(await logPage(deploy)).toContain(`called sha ${sha256(TOKEN)} plain ***`);
    expect(plain.run.conclusion).toBe("success");

    const ids = await jobIds(sha);
    const asked = new Set(requests.filter((r) => r.secrets).map((r) => r.executionId));
    expect(asked.has(ids.uses!)).toBe(true);
    expect(asked.has(ids["call / deploy"]!)).toBe(true);
    // A job that reads no secret asks only to start, never for secrets.
    expect(requests.some((r) => r.executionId === ids.plain)).toBe(true);
    expect(asked.has(ids.plain!)).toBe(false);
  });

  it("of a job's environment win over the repository's, for the jobs in that environment only", async () => {
    const repoValue = "repo-token-3e9d71";
    const prodValue = "prod-token-a81c04";
    expect((await api("PUT", "acme/deployer/TOKEN", { value: repoValue })).status).toBe(201);
    const cli = await execa("node", [BIN, "secret", "set", "acme/deployer", "TOKEN", "--environment", "Production"], {
      input: prodValue,
      env: { FLOTILLA_URL: f.publicUrl, FLOTILLA_API_TOKEN: f.apiToken },
      reject: false,
    });
    expect(cli.stdout).toBe("set environment secret TOKEN for acme/deployer:environment:production");
    expect(cli.exitCode).toBe(0);
    const listed = await (await api("GET", "acme/deployer?environment=production")).json();
    expect(listed).toMatchObject({ scope: "acme/deployer:environment:production", secrets: [{ name: "TOKEN" }] });
    // An organisation has no environments.
    expect((await api("PUT", "acme/TOKEN?environment=production", { value: "x" })).status).toBe(400);

    const show = `echo "token sha $(printf '%s' '\${{ secrets.TOKEN }}' | sha256sum | cut -c1-64)"`;
    const { sha } = await f.pushRepository("acme", "deployer", {
      ".flotilla/workflows/deploy.yml": `on: push
jobs:
  prod:
    runs-on: self-hosted
    environment:
      name: production
      url: https://example.com
    steps:
      - run: ${show}
  staging:
    runs-on: self-hosted
    environment: staging
    steps:
      - run: ${show}
  none:
    runs-on: self-hosted
    steps:
      - run: ${show}
  picked:
    runs-on: self-hosted
    strategy:
      matrix:
        env: [production]
    environment: \${{ matrix.env }}
    outputs:
      env: \${{ steps.name.outputs.env }}
    steps:
      - id: name
        run: echo "env=production" >> "$GITHUB_OUTPUT"
      - run: ${show}
  after:
    needs: picked
    runs-on: self-hosted
    environment: \${{ needs.picked.outputs.env }}
    steps:
      - run: ${show}
`,
    });
    const [prod, staging, none, picked, after] = await f.finished(sha, [
      "prod",
      "staging",
      "none",
      "picked (production)",
      "after",
    ]);
    // An environment named by an expression, at plan time (matrix) or at release (needs): its secrets.
    expect(await logPage(picked)).toContain(`token sha ${sha256(prodValue)}`);
    expect(await logPage(after)).toContain(`token sha ${sha256(prodValue)}`);
    expect(await logPage(prod)).toContain(`token sha ${sha256(prodValue)}`);
    // No secret of its own in staging: the repository's, as on GitHub.
    expect(await logPage(staging)).toContain(`token sha ${sha256(repoValue)}`);
    expect(await logPage(none)).toContain(`token sha ${sha256(repoValue)}`);
  });

  it("are not given to a pull request from a fork, whose clone token only reads the base", async () => {
    expect((await api("PUT", "acme/upstream/TOKEN", { value: TOKEN })).status).toBe(201);
    const workflow = `on: pull_request\njobs:\n  check:\n    runs-on: self-hosted\n    steps:\n      - run: echo "token=[\${{ secrets.TOKEN }}] org=[\${{ secrets.ORG_WIDE }}] fork=[$(cat fork.txt)]"\n`;
    const base = await f.repository("acme", "upstream", { ".flotilla/workflows/ci.yml": workflow });
    // A private fork in an installation of its own, as most forks are to the app.
    const forkDir = join(base.dir, "..", "contributor-upstream");
    await cloneRepo(base.dir, forkDir);
    const head = await commitFiles(forkDir, { "fork.txt": "forked\n" }, "Fork change");
    const fork = await f.fake.addRepository({
      owner: "contributor",
      name: "upstream",
      dir: forkDir,
      private: true,
      installationId: 99,
    });
    // Its author can write to the base: the fork's PR runs without approval (docs/commands.md).
    f.fake.setPermission(base.repo, "contributor", "write");
    await f.fake.openPullRequest(base.repo, {
      number: 9,
      headSha: head,
      headRef: "feature",
      headRepo: fork,
      headDir: forkDir,
    });
    const clonesBefore = f.fake.clones.length;
    const payload = pullRequestPayload(base.repo, {
      action: "opened",
      number: 9,
      headSha: head,
      headRef: "feature",
      headRepo: fork,
      installationId: INSTALLATION_ID,
    });
    expect((await f.deliver("pull_request", payload)).status).toBe(202);
    const [check] = await f.finished(head, ["check"]);
    expect(check.run.conclusion).toBe("success");
    const log = await logPage(check);
    expect(log).toContain("token=[] org=[] fork=[forked]");
    expect(log).toContain("Secrets with no value for this job (empty): ORG_WIDE, TOKEN");
    // The code came from the base repository with a token that can read nothing else, nor write.
    const clones = f.fake.clones.slice(clonesBefore);
    expect(clones.length).toBeGreaterThan(0);
    for (const clone of clones) {
      expect(clone).toMatchObject({ repo: "acme/upstream", status: 200 });
      expect(f.fake.tokens.find((t) => t.token === clone.token)).toMatchObject({
        repositories: ["acme/upstream"],
        permissions: { contents: "read" },
      });
    }
    expect(f.fake.tokens.filter((t) => t.installationId === 99)).toEqual([]);
  });

  it("refuses a runner that does not hold the job", async () => {
    const { sha } = await f.pushRepository("acme", "vault-claims", {
      ".flotilla/workflows/ci.yml": `on: push\njobs:\n  slow:\n    runs-on: self-hosted\n    steps:\n      - run: echo "\${{ secrets.TOKEN }}"; sleep 1\n`,
    });
    const [slow] = await f.finished(sha, ["slow"]);
    expect(slow.run.conclusion).toBe("success");
    const ids = await jobIds(sha);
    const rows = (await f.bot.db.db.execute(
      sql`select claim, attempt, runner_id from jobs where id = ${ids.slow!}`,
    )) as unknown as { claim: string; attempt: number; runner_id: string }[];
    const row = rows[0]!;
    const ask = async (runnerId: string, request: Partial<SecretsRequest>) => {
      const msg = await f.bot.bus.nc.request(
        f.bot.bus.names.secretsSubject(runnerId),
        encode({ v: 1, executionId: ids.slow, attempt: row.attempt, claim: row.claim, ...request }),
        { timeout: 5_000 },
      );
      return decode(SecretsReply, msg.data, "reply");
    };
    expect(await ask(randomUUID(), { claim: "forged" })).toEqual({
      v: 1,
      ok: false,
      error: "this runner does not hold that job",
      settle: "term",
    });
    expect(await ask(randomUUID(), { executionId: randomUUID() })).toEqual({
      v: 1,
      ok: false,
      error: "this runner does not hold that job",
      settle: "term",
    });
    // Even with the claim: the job is over, and its message is taken out of the queue.
    expect(await ask(row.runner_id, {})).toEqual({
      v: 1,
      ok: false,
      error: "the job has already completed",
      settle: "term",
    });
    expect(await ask("not-a-runner", {})).toMatchObject({ ok: false });
  });

  it("fail the job that reads a secret written with another key, saying so, instead of running with a wrong value", async () => {
    const parsedKey = parseSecretsKey(generateSecretsKey());
    if (!parsedKey.ok) throw new Error(parsedKey.reason);
    const oldKey = parsedKey.value;
    const sealed = encryptSecret(oldKey, "from-the-old-key", "acme/rotated\0OLD");
    await f.bot.db.db.execute(
      sql`insert into secrets (scope, name, key_id, ciphertext) values ('acme/rotated', 'OLD', ${sealed.keyId}, ${sealed.ciphertext})`,
    );
    const { sha } = await f.pushRepository("acme", "rotated", {
      ".flotilla/workflows/ci.yml": `on: push\njobs:\n  reads:\n    runs-on: self-hosted\n    steps:\n      - run: echo "\${{ secrets.OLD }}"\n`,
    });
    const [reads] = await f.finished(sha, ["reads"]);
    expect(reads.run.conclusion).toBe("failure");
    expect((reads.run.output as { summary: string }).summary).toMatch(
      new RegExp(
        `the bot refused this job its secrets: secret OLD of acme/rotated was encrypted with another FLOTILLA_SECRETS_KEY \\(key id ${oldKey.id}; the bot has [0-9a-f]{12}\\): set it again`,
      ),
    );
  });
});

describe("without FLOTILLA_SECRETS_KEY", () => {
  let off: Flotilla;
  beforeAll(async () => {
    off = await startFlotilla();
    await off.startRunner({ name: "keyless" });
  });
  afterAll(async () => {
    await off?.close();
  });

  it("the API says secrets are off, and a job that reads one runs with it empty, as GitHub gives an unset secret", async () => {
    const cli = await execa("node", [BIN, "secret", "set", "acme/app", "TOKEN"], {
      input: "x",
      env: { FLOTILLA_URL: off.publicUrl, FLOTILLA_API_TOKEN: off.apiToken },
      reject: false,
    });
    expect(cli.exitCode).toBe(1);
    expect(cli.stderr).toBe(
      "flotilla secret: secrets are off: set FLOTILLA_SECRETS_KEY on the bot (32 bytes, base64; see docs/secrets.md)",
    );
    const { repo, sha } = await off.repository("acme", "app", {
      ".flotilla/workflows/ci.yml": `on: push\njobs:\n  reads:\n    runs-on: self-hosted\n    steps:\n      - run: echo "token=[\${{ secrets.TOKEN }}]"\n`,
    });
    await off.push(repo, sha);
    const [reads] = await off.finished(sha, ["reads"]);
    expect(reads.run.conclusion).toBe("success");
    const log = await logPage(reads);
    expect(log).toContain("token=[]");
    expect(log).toContain("Secrets with no value for this job (empty): TOKEN");
  });
});
