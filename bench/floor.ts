/**
 * The floor Flotilla is held against, measured in the same run: what a job cannot avoid, each
 * done bare — a JetStream publish → pull → ack round trip, a process spawn, one GitHub call
 * (Node's fetch, keep-alive, to the fake GitHub's check-run endpoint, answered as the bench's
 * writes are), and one Postgres `insert … returning` through postgres.js.
 */
import { spawn } from "node:child_process";
import { createSign } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import postgres from "postgres";
import type { FakeGitHub } from "../test/helpers/fake-github.ts";
import type { AppCredentials } from "../test/helpers/github-app.ts";
import { createRepo } from "../test/helpers/git-repo.ts";

export async function natsRoundTrips(url: string, prefix: string, count: number): Promise<number[]> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  const stream = `${prefix.toUpperCase()}_FLOOR`;
  await jsm.streams.add({ name: stream, subjects: [`${prefix}.floor`] });
  await jsm.consumers.add(stream, { durable_name: "floor", ack_policy: AckPolicy.Explicit });
  const js = jetstream(nc);
  const consumer = await js.consumers.get(stream, "floor");
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await js.publish(`${prefix}.floor`, new Uint8Array([i % 256]));
    const msg = await consumer.next({ expires: 5000 });
    await msg?.ackAck();
    samples.push(performance.now() - t0);
  }
  await jsm.streams.delete(stream);
  await nc.close();
  return samples;
}

export async function spawns(count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn("true", { stdio: "ignore" });
      child.once("error", reject);
      child.once("exit", () => resolve());
    });
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** Where the floor's GitHub calls go: not a repository any job of the bench runs in. */
export const FLOOR_REPOSITORY = { owner: "floor", name: "github" };

/** An RS256 app JWT, as Probot signs one (issued a minute ago for clock drift, nine minutes valid). */
function appJwt(app: AppCredentials): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const body = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iat: now - 60, exp: now + 540, iss: String(app.appId) })}`;
  return `${body}.${createSign("RSA-SHA256").update(body).sign(app.privateKey, "base64url")}`;
}

/**
 * `count` bare check-run updates (`PATCH …/check-runs/{id}`, status `in_progress`), one after
 * another with one installation token, on a repository of their own so the bench's counts
 * of jobs and writes never see them.
 */
export async function githubCalls(fake: FakeGitHub, app: AppCredentials, installationId: number, count: number) {
  const dir = await mkdtemp(join(tmpdir(), "flotilla-floor-"));
  try {
    const { sha } = await createRepo(join(dir, "repo"), { "README.md": "floor\n" });
    const repo = await fake.addRepository({ ...FLOOR_REPOSITORY, dir: join(dir, "repo"), installationId });
    const call = async (method: string, path: string, body: unknown, auth: string) => {
      const response = await fetch(`${fake.apiUrl}${path}`, {
        method,
        headers: { authorization: auth, accept: "application/vnd.github+json", "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as Record<string, unknown>;
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
      return answer;
    };
    const { token } = await call(
      "POST",
      `/app/installations/${installationId}/access_tokens`,
      {},
      `Bearer ${appJwt(app)}`,
    );
    const auth = `token ${String(token)}`;
    const checks = `/repos/${repo.full_name}/check-runs`;
    const { id } = await call("POST", checks, { name: "floor", head_sha: sha }, auth);
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await call("PATCH", `${checks}/${String(id)}`, { status: "in_progress" }, auth);
      samples.push(performance.now() - t0);
    }
    return samples;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `count` bare `insert … returning` round trips on one postgres.js connection, in a table of their own. */
export async function postgresRoundTrips(databaseUrl: string, count: number): Promise<number[]> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`create table if not exists bench_floor (id bigserial primary key, at timestamptz not null default now())`;
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await sql`insert into bench_floor default values returning id`;
      samples.push(performance.now() - t0);
    }
    await sql`drop table bench_floor`;
    return samples;
  } finally {
    await sql.end();
  }
}
