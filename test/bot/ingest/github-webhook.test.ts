/**
 * The webhook intake against a real bot, NATS, Postgres and the fake GitHub: what GitHub would
 * never send is refused — from the headers alone when they suffice, without reading the upload —
 * events Flotilla does not act on are answered and dropped, run events the planner could not
 * read are refused naming the field, and none of it reaches the events stream or GitHub. The
 * deliveries that steer CI (a comment on a pull request, Re-run and Cancel buttons) are stored,
 * and the planner, which reads every stored event, plans nothing for them.
 */
import { randomUUID } from "node:crypto";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeRepository, JsonObject } from "../../helpers/fake-github/types.ts";
import { INSTALLATION_ID, startFlotilla, type Flotilla } from "../../helpers/flotilla.ts";
import { until } from "../../helpers/until.ts";
import { upload, type UploadOptions, type UploadResult } from "../../helpers/upload.ts";
import {
  examplePayload,
  postWebhook,
  pullRequestPayload,
  pushPayload,
  signedDelivery,
  type Delivery,
} from "../../helpers/webhooks.ts";

const MB = 1024 * 1024;
const WORKFLOW = `name: CI
on: [push, pull_request]
jobs:
  test:
    runs-on: self-hosted
    steps:
      - run: echo intake
`;

let f: Flotilla;
let jsm: JetStreamManager;
let url: string;
let repo: FakeRepository;
let sha: string;

beforeAll(async () => {
  f = await startFlotilla();
  jsm = await jetstreamManager(f.bot.bus.nc);
  url = `${f.publicUrl}/api/github/webhooks`;
  ({ repo, sha } = await f.repository("acme", "intake", { ".flotilla/workflows/ci.yml": WORKFLOW }));
});

afterAll(async () => {
  await f?.close();
});

async function storedEvents(): Promise<number> {
  return (await jsm.streams.info(f.bot.bus.names.eventsStream)).state.messages;
}

function signed(event: string, payload: object, opts: { form?: boolean } = {}): Promise<Delivery> {
  return signedDelivery(payload, { secret: f.app.webhookSecret, event, ...opts });
}

function push(overrides: (payload: JsonObject) => void = () => {}): JsonObject {
  const payload = pushPayload(repo, { sha, installationId: INSTALLATION_ID });
  overrides(payload);
  return payload;
}

async function planned(commit: string): Promise<{ checkRuns: number; statuses: number }> {
  await f.fake.waitFor(() => f.fake.statuses.some((s) => s.sha === commit));
  return {
    checkRuns: f.fake.checkRuns.filter((r) => r.run.head_sha === commit).length,
    statuses: f.fake.statuses.filter((s) => s.sha === commit).length,
  };
}

describe("content type", () => {
  it("refuses a signed text/plain body with 415, and it creates nothing", async () => {
    const before = await storedEvents();
    const delivery = await signed("push", push());
    const answer = await postWebhook(url, {
      ...delivery,
      headers: { ...delivery.headers, "content-type": "text/plain" },
    });
    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.body).error).toContain("application/json");
    expect(await storedEvents()).toBe(before);
    // The same push under its own delivery id, as GitHub sends it: the one run it plans is all there is.
    expect((await postWebhook(url, await signed("push", push()))).status).toBe(202);
    expect(await planned(sha)).toEqual({ checkRuns: 1, statuses: 1 });
  });

  it("takes GitHub's form encoding, the JSON in a payload field", async () => {
    const form = await f.repository("acme", "intake-form", { ".flotilla/workflows/ci.yml": WORKFLOW });
    const delivery = await signed("push", pushPayload(form.repo, { sha: form.sha, installationId: INSTALLATION_ID }), {
      form: true,
    });
    expect(delivery.body).toMatch(/^payload=/);
    expect((await postWebhook(url, delivery)).status).toBe(202);
    expect(await planned(form.sha)).toEqual({ checkRuns: 1, statuses: 1 });
  });
});

describe("events", () => {
  it("answers events it does not act on with 200 and does not store them", async () => {
    const before = await storedEvents();
    const events: [string, object][] = [
      ["star", examplePayload("star", "created")],
      ["issues", examplePayload("issues", "opened")],
      ["ping", examplePayload("ping")],
      ["installation", examplePayload("installation", "created")],
      ["constructor", {}],
    ];
    for (const [event, payload] of events) {
      const answer = await postWebhook(url, await signed(event, payload));
      expect({ event, status: answer.status }).toEqual({ event, status: 200 });
      expect(JSON.parse(answer.body).ignored).toContain(event);
    }
    expect(await storedEvents()).toBe(before);
  });

  it("refuses a run event lacking a field the planner reads with 400 naming it, and does not store it", async () => {
    const before = await storedEvents();
    const pr = pullRequestPayload(repo, {
      action: "opened",
      number: 7,
      headSha: sha,
      headRef: "feature",
      installationId: INSTALLATION_ID,
    });
    delete (pr.pull_request as { head: JsonObject }).head.sha;
    const dispatch: JsonObject = { ...examplePayload("workflow_dispatch"), installation: { id: INSTALLATION_ID } };
    delete dispatch.workflow;
    const cases: [string, object, string, string][] = [
      [
        "push",
        push((p) => delete (p.repository as JsonObject).clone_url),
        "repository.clone_url",
        "push payload lacks repository.clone_url",
      ],
      ["push", push((p) => delete p.installation), "installation", "push payload lacks installation"],
      ["push", push((p) => (p.after = 42)), "after", "push payload: after: Expected string, received number"],
      ["push", { zen: "not a push" }, "ref", "push payload lacks ref"],
      ["pull_request", pr, "pull_request.head.sha", "pull_request payload lacks pull_request.head.sha"],
      ["workflow_dispatch", dispatch, "workflow", "workflow_dispatch payload lacks workflow"],
    ];
    for (const [event, payload, field, error] of cases) {
      const answer = await postWebhook(url, await signed(event, payload));
      expect({ status: answer.status, ...JSON.parse(answer.body) }).toEqual({ status: 400, field, error });
    }
    expect(await storedEvents()).toBe(before);
  });
});

describe("steering events", () => {
  const withInstallation = (e: JsonObject) => Boolean(e.installation);
  /** GitHub's example comment, on a pull request of ours (its examples are all on issues). */
  function prComment(change: (payload: JsonObject) => void = () => {}): JsonObject {
    const payload = examplePayload("issue_comment", "created", withInstallation);
    Object.assign(payload.issue as JsonObject, { number: 7, pull_request: { url: `${repo.url}/pulls/7` } });
    payload.repository = repo;
    payload.installation = { id: INSTALLATION_ID };
    change(payload);
    return payload;
  }
  const plannerIdle = () =>
    until(
      async () => {
        const info = await jsm.consumers.info(f.bot.bus.names.eventsStream, f.bot.bus.names.plannerConsumer);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      10_000,
      "the planner to have read every stored event",
    );
  const example = (event: string, action: string): JsonObject => ({
    ...examplePayload(event, action),
    installation: { id: INSTALLATION_ID },
  });

  it("stores a pull request comment, Re-run, Cancel and Re-run all checks; the planner plans nothing for them", async () => {
    // What earlier tests planned is finished first (the planner acks an event once it is planned).
    await plannerIdle();
    const before = await storedEvents();
    const checkRunsBefore = f.fake.checkRuns.length;
    const statusesBefore = f.fake.statuses.length;
    const events: [string, object][] = [
      ["issue_comment", prComment((p) => ((p.comment as JsonObject).body = "/rerun"))],
      ["check_run", example("check_run", "rerequested")],
      ["check_run", example("check_run", "requested_action")],
      ["check_suite", example("check_suite", "rerequested")],
    ];
    for (const [event, payload] of events) {
      const answer = await postWebhook(url, await signed(event, payload));
      expect({ event, status: answer.status }).toEqual({ event, status: 202 });
    }
    expect(await storedEvents()).toBe(before + events.length);
    await plannerIdle();
    expect(f.fake.checkRuns.length).toBe(checkRunsBefore);
    expect(f.fake.statuses.length).toBe(statusesBefore);
    expect(f.fake.unexpectedRequests).toEqual([]);
  });

  it("answers 200 and stores nothing for what steers nothing", async () => {
    const before = await storedEvents();
    const bot = prComment((p) => (p.sender = { ...(p.sender as JsonObject), login: "flotilla[bot]", type: "Bot" }));
    const events: [string, object, string][] = [
      ["issue_comment", example("issue_comment", "created"), "issue_comment on an issue steers nothing"],
      ["issue_comment", prComment((p) => (p.action = "edited")), "issue_comment edited steers nothing"],
      ["issue_comment", example("issue_comment", "deleted"), "issue_comment deleted steers nothing"],
      ["issue_comment", bot, "issue_comment by a bot steers nothing"],
      ["check_run", example("check_run", "created"), "check_run created steers nothing"],
      ["check_run", example("check_run", "completed"), "check_run completed steers nothing"],
      ["check_suite", example("check_suite", "requested"), "check_suite requested steers nothing"],
      ["check_suite", example("check_suite", "completed"), "check_suite completed steers nothing"],
      ["check_suite", {}, "check_suite (no action) steers nothing"],
    ];
    for (const [event, payload, ignored] of events) {
      const answer = await postWebhook(url, await signed(event, payload));
      expect({ status: answer.status, ignored: JSON.parse(answer.body).ignored }).toEqual({
        status: 200,
        ignored: expect.stringContaining(ignored),
      });
    }
    expect(await storedEvents()).toBe(before);
  });

  it("refuses a steering delivery lacking a field it is read for, naming it", async () => {
    const before = await storedEvents();
    const noAction = example("check_run", "requested_action");
    delete noAction.requested_action;
    const cases: [string, object, string][] = [
      ["issue_comment", prComment((p) => delete (p.comment as JsonObject).body), "comment.body"],
      ["issue_comment", prComment((p) => delete p.installation), "installation"],
      ["check_run", noAction, "requested_action"],
      ["check_suite", { ...example("check_suite", "rerequested"), check_suite: {} }, "check_suite.head_sha"],
    ];
    for (const [event, payload, field] of cases) {
      const answer = await postWebhook(url, await signed(event, payload));
      expect({ status: answer.status, ...JSON.parse(answer.body) }).toEqual({
        status: 400,
        field,
        error: `${event} payload lacks ${field}`,
      });
    }
    expect(await storedEvents()).toBe(before);
  });
});

describe("uploads", () => {
  const chunk = Buffer.alloc(MB, " ");
  const pushHeaders = () => ({
    "content-type": "application/json",
    "x-github-event": "push",
    "x-github-delivery": randomUUID(),
  });
  const badSignature = `sha256=${"0".repeat(64)}`;

  it("answers an unsigned 30 MB upload 401 after its first megabyte, and closes instead of reading the rest", async () => {
    const result = await upload(url, {
      headers: pushHeaders(),
      chunk,
      times: 30,
      contentLength: 30 * MB,
      answerWithinMs: 5_000,
      sendAfterAnswer: true,
    });
    expect(result.status).toBe(401);
    expect(result.sentBeforeAnswer).toBeLessThanOrEqual(MB);
    expect(result.complete).toBe(false);
  });

  it("answers 413 to a declared 26 MB before reading it, and to a longer chunked upload at 25 MB", async () => {
    const before = await storedEvents();
    const declared = await upload(url, {
      headers: { ...pushHeaders(), "x-hub-signature-256": badSignature },
      chunk,
      times: 26,
      contentLength: 26 * MB,
      answerWithinMs: 5_000,
    });
    expect({ status: declared.status, complete: declared.complete }).toEqual({ status: 413, complete: false });
    expect(declared.sentBeforeAnswer).toBeLessThanOrEqual(MB);
    const chunked = await upload(url, {
      headers: { ...pushHeaders(), "x-hub-signature-256": badSignature },
      chunk,
      times: 40,
    });
    expect({ status: chunked.status, complete: chunked.complete }).toEqual({ status: 413, complete: false });
    expect(await storedEvents()).toBe(before);
  });

  it("answers 1,000 bad webhooks 4xx (200 for events it ignores), stores nothing, and keeps its memory flat", async () => {
    const storedBefore = await storedEvents();
    const checkRunsBefore = f.fake.checkRuns.length;
    const secret = f.app.webhookSecret;
    const signedText = async (
      event: string,
      body: string,
      headers: Record<string, string> = {},
    ): Promise<UploadOptions> => ({
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": await sign(secret, body),
        ...headers,
      },
      chunk: Buffer.from(body),
      contentLength: Buffer.byteLength(body),
    });
    const valid = JSON.stringify(push());
    const kinds: [expected: number, make: () => Promise<UploadOptions>][] = [
      [401, async () => ({ headers: pushHeaders(), chunk: Buffer.from(valid) })],
      [401, () => signedText("push", valid, { "x-hub-signature-256": "sha256=00" })],
      [401, () => signedText("push", valid, { "x-hub-signature-256": badSignature })],
      [415, () => signedText("push", valid, { "content-type": "text/plain" })],
      [400, () => signedText("push", valid, { "x-github-delivery": "" })],
      [400, () => signedText("push", "{not json")],
      [400, () => signedText("push", "[]")],
      [400, () => signedText("push", "zen=1", { "content-type": "application/x-www-form-urlencoded" })],
      [400, () => signedText("push", JSON.stringify(push((p) => delete (p.repository as JsonObject).clone_url)))],
      [200, () => signedText("star", JSON.stringify(examplePayload("star", "created")))],
      [200, () => signedText("__proto__", "{}")],
      [
        413,
        async () => ({
          headers: { ...pushHeaders(), "x-hub-signature-256": badSignature },
          chunk,
          times: 26,
          contentLength: 26 * MB,
        }),
      ],
    ];
    // Every 100th request streams 30 MB chunked: the one kind the bot must read (to 25 MB) to refuse.
    const chunkedOversize = async (): Promise<UploadOptions> => ({
      headers: { ...pushHeaders(), "x-hub-signature-256": badSignature },
      chunk,
      times: 30,
    });
    const plan = (i: number): [number, () => Promise<UploadOptions>] =>
      i % 100 === 50 ? [413, chunkedOversize] : kinds[i % kinds.length]!;

    async function send(count: number): Promise<{ expected: number; result: UploadResult }[]> {
      const results: { expected: number; result: UploadResult }[] = [];
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < count; i = next++) {
          const [expected, make] = plan(i);
          results.push({ expected, result: await upload(url, await make()) });
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      return results;
    }
    const unexpected = (results: { expected: number; result: UploadResult }[]) =>
      results
        .filter(({ expected, result }) => result.status !== expected)
        .map(({ expected, result }) => ({ expected, status: result.status, body: result.body }));

    // Warm up first: until the heap and the allocator have grown to what this traffic needs
    // (the chunked 30 MB uploads alone have the bot hold 25 MB each until it refuses them, and
    // the garbage waits for the collector), RSS climbs whatever the code does. Then the same
    // mix a thousand times more must not add to it.
    expect(unexpected(await send(500))).toEqual([]);
    // What stays, not garbage the collector has not reached yet (vitest runs with --expose-gc).
    const settledRss = () => {
      (globalThis as { gc?: () => void }).gc?.();
      return process.memoryUsage().rss;
    };
    const rssBefore = settledRss();
    const results = await send(1_000);
    const rssAfter = settledRss();
    console.info(
      `RSS before ${(rssBefore / MB).toFixed(1)} MiB, after 1,000 bad webhooks ${(rssAfter / MB).toFixed(1)} MiB (${((rssAfter - rssBefore) / MB).toFixed(1)} MiB)`,
    );

    expect(unexpected(results)).toEqual([]);
    expect(
      results.filter(({ result }) => result.status === 200).every(({ result }) => JSON.parse(result.body).ignored),
    ).toBe(true);
    expect(rssAfter - rssBefore).toBeLessThan(30 * MB);
    expect(await storedEvents()).toBe(storedBefore);
    expect(f.fake.checkRuns.length).toBe(checkRunsBefore);
    expect((await fetch(`${f.publicUrl}/healthz`)).status).toBe(200);
  });
});
