/**
 * Webhook deliveries built from GitHub's own examples (`@octokit/webhooks-examples`), retargeted
 * at fake-GitHub repositories: every field the product might read keeps GitHub's real shape,
 * and only what identifies the repository, commit, PR and installation is rewritten.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";
import type { FakeRepository, JsonObject } from "./fake-github/types.ts";

interface ExampleGroup {
  name: string;
  actions: string[];
  examples: JsonObject[];
}

let examples: ExampleGroup[] | undefined;

function loadExamples(): ExampleGroup[] {
  if (!examples) {
    const require = createRequire(import.meta.url);
    examples = JSON.parse(
      readFileSync(require.resolve("@octokit/webhooks-examples/api.github.com/index.json"), "utf8"),
    ) as ExampleGroup[];
  }
  return examples;
}

function findExample(event: string, matches: (example: JsonObject) => boolean): JsonObject {
  const group = loadExamples().find((g) => g.name === event);
  const example = group?.examples.find(matches);
  if (!example) throw new Error(`no @octokit/webhooks-examples example for ${event} matching the request`);
  return structuredClone(example);
}

/** A deep copy of GitHub's first example of `event` (with `action`, and that `matches`, when given). */
export function examplePayload(
  event: string,
  action?: string,
  matches: (example: JsonObject) => boolean = () => true,
): JsonObject {
  return findExample(event, (e) => (action === undefined || e.action === action) && matches(e));
}

const ZERO_SHA = "0000000000000000000000000000000000000000";

export interface PushOptions {
  sha: string;
  before?: string;
  ref?: string;
  installationId: number;
  message?: string;
}

export function pushPayload(repo: FakeRepository, opts: PushOptions): JsonObject {
  // A branch push with a head commit and an installation, the shape the bot sees most.
  const payload = findExample(
    "push",
    (e) => String(e.ref).startsWith("refs/heads/") && Boolean(e.head_commit) && Boolean(e.installation),
  );
  const before = opts.before ?? ZERO_SHA;
  retarget(payload, repo, payload.repository as JsonObject);
  const headCommit = payload.head_commit as JsonObject;
  Object.assign(headCommit, {
    id: opts.sha,
    url: `${repo.html_url}/commit/${opts.sha}`,
    ...(opts.message ? { message: opts.message } : {}),
  });
  Object.assign(payload, {
    ref: opts.ref ?? `refs/heads/${repo.default_branch}`,
    before,
    after: opts.sha,
    created: before === ZERO_SHA,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `${repo.html_url}/compare/${before.slice(0, 12)}...${opts.sha.slice(0, 12)}`,
    commits: [structuredClone(headCommit)],
    pusher: { name: repo.owner.login, email: `${repo.owner.login}@users.noreply.invalid` },
    sender: structuredClone(repo.owner),
    installation: installation(opts.installationId),
  });
  return payload;
}

export interface PullRequestOptions {
  action: "opened" | "synchronize" | "reopened";
  number: number;
  headSha: string;
  headRef: string;
  baseRef?: string;
  baseSha?: string;
  /** The fork; the base repository itself when omitted. */
  headRepo?: FakeRepository;
  /** For synchronize: the previous head. */
  before?: string;
  installationId: number;
  /**
   * `merge_commit_sha` (and `mergeable`) as the payload carries it; left out, null as in
   * GitHub's own `opened` and `synchronize` examples, sent before the test merge is made.
   */
  mergeCommitSha?: string | null;
}

export function pullRequestPayload(baseRepo: FakeRepository, opts: PullRequestOptions): JsonObject {
  const payload = findExample("pull_request", (e) => e.action === opts.action && Boolean(e.installation));
  const pr = payload.pull_request as JsonObject & { head: JsonObject; base: JsonObject; number: number };
  const exampleNumber = pr.number;
  const headRepo = opts.headRepo ?? baseRepo;
  const isFork = headRepo.full_name !== baseRepo.full_name;
  // Head first: afterwards it no longer mentions the example repository, so the base rewrite skips it.
  retarget(pr.head, headRepo, pr.head.repo as JsonObject);
  (pr.head.repo as JsonObject).fork = isFork;
  retarget(payload, baseRepo, payload.repository as JsonObject);
  retarget(pr.base, baseRepo, pr.base.repo as JsonObject);
  const numberInUrl = new RegExp(`/(pulls|issues|pull)/${exampleNumber}(?=[/#?]|$)`, "g");
  rewriteStrings(pr, (text) => text.replace(numberInUrl, `/$1/${opts.number}`));
  Object.assign(pr, {
    number: opts.number,
    state: "open",
    user: structuredClone(headRepo.owner),
    ...(opts.mergeCommitSha !== undefined
      ? { merge_commit_sha: opts.mergeCommitSha, mergeable: opts.mergeCommitSha !== null }
      : {}),
  });
  const baseRef = opts.baseRef ?? baseRepo.default_branch;
  Object.assign(pr.head, {
    ref: opts.headRef,
    sha: opts.headSha,
    label: `${headRepo.owner.login}:${opts.headRef}`,
    user: structuredClone(headRepo.owner),
  });
  Object.assign(pr.base, {
    ref: baseRef,
    label: `${baseRepo.owner.login}:${baseRef}`,
    user: structuredClone(baseRepo.owner),
    ...(opts.baseSha ? { sha: opts.baseSha } : {}),
  });
  Object.assign(payload, {
    number: opts.number,
    sender: structuredClone(headRepo.owner),
    installation: installation(opts.installationId),
  });
  if (opts.action === "synchronize")
    Object.assign(payload, { after: opts.headSha, ...(opts.before ? { before: opts.before } : {}) });
  return payload;
}

export interface CommentOptions {
  number: number;
  /** The comment as the fake holds it (`fake.addComment`): its id and body are the payload's. */
  comment: { id: number; body: string; user: { login: string; type: string } };
  installationId: number;
}

/** A new comment on pull request `number`: GitHub's `issue_comment` `created`, on a PR. */
export function issueCommentPayload(repo: FakeRepository, opts: CommentOptions): JsonObject {
  const payload = findExample("issue_comment", (e) => e.action === "created");
  retarget(payload, repo, payload.repository as JsonObject);
  const user = { ...(payload.sender as JsonObject), login: opts.comment.user.login, type: opts.comment.user.type };
  Object.assign(payload.issue as JsonObject, {
    number: opts.number,
    pull_request: { url: `${repo.url}/pulls/${opts.number}`, html_url: `${repo.html_url}/pull/${opts.number}` },
  });
  Object.assign(payload.comment as JsonObject, { id: opts.comment.id, body: opts.comment.body, user });
  Object.assign(payload, { sender: user, installation: installation(opts.installationId) });
  return payload;
}

export interface CheckRunEventOptions {
  checkRun: { id: number; head_sha: string; external_id?: unknown; name: string };
  sender: string;
  /** For `requested_action`: the button's identifier. */
  identifier?: string;
  installationId: number;
}

/** GitHub's `check_run` `rerequested` ("Re-run") or `requested_action` (a button) for a check run of the fake's. */
export function checkRunPayload(
  repo: FakeRepository,
  action: "rerequested" | "requested_action",
  opts: CheckRunEventOptions,
): JsonObject {
  const payload = findExample("check_run", (e) => e.action === action);
  retarget(payload, repo, payload.repository as JsonObject);
  Object.assign(payload.check_run as JsonObject, {
    id: opts.checkRun.id,
    head_sha: opts.checkRun.head_sha,
    external_id: opts.checkRun.external_id,
    name: opts.checkRun.name,
  });
  if (action === "requested_action") payload.requested_action = { identifier: opts.identifier ?? "" };
  Object.assign(payload, {
    sender: { ...(payload.sender as JsonObject), login: opts.sender, type: "User" },
    installation: installation(opts.installationId),
  });
  return payload;
}

/** GitHub's `check_suite` `rerequested` ("Re-run all checks") for `headSha`. */
export function checkSuitePayload(
  repo: FakeRepository,
  opts: { headSha: string; sender: string; installationId: number },
): JsonObject {
  const payload = findExample("check_suite", (e) => e.action === "rerequested");
  retarget(payload, repo, payload.repository as JsonObject);
  Object.assign(payload.check_suite as JsonObject, { head_sha: opts.headSha });
  Object.assign(payload, {
    sender: { ...(payload.sender as JsonObject), login: opts.sender, type: "User" },
    installation: installation(opts.installationId),
  });
  return payload;
}

/** GitHub's `repository_dispatch` (`POST /repos/{o}/{r}/dispatches`) with `event_type` as its action. */
export function repositoryDispatchPayload(
  repo: FakeRepository,
  opts: { eventType: string; clientPayload: JsonObject; installationId: number },
): JsonObject {
  const payload = findExample("repository_dispatch", (e) => Boolean(e.installation));
  retarget(payload, repo, payload.repository as JsonObject);
  Object.assign(payload, {
    action: opts.eventType,
    branch: repo.default_branch,
    client_payload: opts.clientPayload,
    sender: structuredClone(repo.owner),
    installation: installation(opts.installationId),
  });
  return payload;
}

/** GitHub's `release` with `action` for a release of `tag` (a draft when told). */
export function releasePayload(
  repo: FakeRepository,
  opts: { action: string; tag: string; draft?: boolean; installationId: number },
): JsonObject {
  const payload = findExample("release", (e) => e.action === opts.action);
  retarget(payload, repo, payload.repository as JsonObject);
  Object.assign(payload.release as JsonObject, {
    tag_name: opts.tag,
    name: opts.tag,
    draft: opts.draft ?? false,
    target_commitish: repo.default_branch,
  });
  Object.assign(payload, { sender: structuredClone(repo.owner), installation: installation(opts.installationId) });
  return payload;
}

function installation(id: number): JsonObject {
  return { id, node_id: Buffer.from(`023:Integration::Installation${id}`).toString("base64") };
}

/**
 * Points `scope` (a payload or part of one) at `repo`, in place: hosts become the fake's, the
 * example repository's name becomes `repo`'s in every URL, and the repository object
 * `repoField` takes `repo`'s identity while keeping the event-specific quirks of the example
 * (e.g. push payloads' `url` is the HTML URL and `created_at` a Unix time).
 */
function retarget(scope: JsonObject, repo: FakeRepository, repoField: JsonObject): void {
  const exampleFullName = String(repoField.full_name);
  const apiUrl = repo.url.slice(0, repo.url.indexOf("/repos/"));
  const webUrl = repo.html_url.slice(0, repo.html_url.length - repo.full_name.length - 1);
  const { host, hostname } = new URL(webUrl);
  const nameInUrl = new RegExp(`/${escapeRegExp(exampleFullName)}(?=[/.#?]|$)`, "g");
  rewriteStrings(scope, (text) =>
    text
      .replaceAll("https://api.github.com", apiUrl)
      .replaceAll("https://uploads.github.com", `${webUrl}/api/uploads`)
      .replaceAll("https://github.com", webUrl)
      .replaceAll("git://github.com/", `git://${host}/`)
      .replaceAll("git@github.com:", `git@${hostname}:`)
      .replace(nameInUrl, `/${repo.full_name}`),
  );
  for (const key of [
    "id",
    "node_id",
    "name",
    "full_name",
    "private",
    "html_url",
    "clone_url",
    "git_url",
    "ssh_url",
    "svn_url",
    "default_branch",
    "visibility",
  ] as const) {
    if (key in repoField || key === "default_branch") repoField[key] = repo[key];
  }
  // Push payloads carry the HTML URL in `url`; everywhere else it is the API URL.
  if (!String(repoField.url).startsWith(repo.html_url)) repoField.url = repo.url;
  const exampleOwner = repoField.owner as JsonObject;
  repoField.owner = { ...exampleOwner, ...repo.owner, ...("name" in exampleOwner ? { name: repo.owner.login } : {}) };
}

function rewriteStrings(node: unknown, fn: (text: string) => string): void {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) {
      if (typeof item === "string") node[i] = fn(item);
      else rewriteStrings(item, fn);
    }
  } else if (node !== null && typeof node === "object") {
    const object = node as JsonObject;
    for (const [key, value] of Object.entries(object)) {
      if (typeof value === "string") object[key] = fn(value);
      else rewriteStrings(value, fn);
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface Delivery {
  headers: Record<string, string>;
  body: string;
}

/**
 * Headers and body exactly as GitHub's Hookshot sends them, signed with the app's secret. With
 * `form`, as a webhook set to `application/x-www-form-urlencoded` sends them: the JSON in a
 * `payload` field.
 */
export async function signedDelivery(
  payload: object,
  opts: { secret: string; event: string; id?: string; form?: boolean },
): Promise<Delivery> {
  const json = JSON.stringify(payload);
  const body = opts.form ? new URLSearchParams({ payload: json }).toString() : json;
  return {
    headers: {
      "x-github-event": opts.event,
      "x-github-delivery": opts.id ?? randomUUID(),
      "x-hub-signature-256": await sign(opts.secret, body),
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "integration",
      "content-type": opts.form ? "application/x-www-form-urlencoded" : "application/json",
      "user-agent": "GitHub-Hookshot/a1b2c3d",
    },
    body,
  };
}

/**
 * Posts a delivery. A connection reset before any answer (under load, a kept-alive socket the
 * server closed as the request went out) is tried once more on a new connection, with the
 * same delivery id, as GitHub redelivers: the bot deduplicates deliveries by id.
 */
export async function postWebhook(url: string, delivery: Delivery): Promise<{ status: number; body: string }> {
  const post = () => fetch(url, { method: "POST", headers: delivery.headers, body: delivery.body });
  const response = await post().catch((error: unknown) => {
    if ((error as { cause?: { code?: string } }).cause?.code !== "ECONNRESET") throw error;
    return post();
  });
  return { status: response.status, body: await response.text() };
}
