/**
 * GitLab merge requests end to end: an MR runs `on: pull_request` workflows at its head with
 * GitHub's names for its branches; notes steer it as comments do on GitHub (`/rerun`, `/cancel`,
 * `/help`), answered with award emoji and notes, allowed from the Developer role up (read from
 * the API) and ignored when the bot wrote them; an MR from a fork by someone who is no member
 * waits, cloning nothing, until a Developer's `/ok-to-test`, and then runs without secrets.
 * Real bot, runner, NATS, Postgres and git; GitLab is the fake.
 */
import { describe, expect, it } from "vitest";
import { generateSecretsKey } from "../../bot/secrets/crypto.ts";
import type { FakeGitLabProject } from "../helpers/fake-gitlab.ts";
import { gitlabFlotillaSuite } from "../helpers/gitlab-flotilla.ts";
import { mergeRequestHook } from "../helpers/gitlab-webhooks.ts";

const s = gitlabFlotillaSuite({ env: { FLOTILLA_SECRETS_KEY: generateSecretsKey() } });

const WORKFLOW = `name: mr
on: pull_request
jobs:
  check:
    runs-on: self-hosted
    steps:
      - uses: actions/checkout@v4
      - run: echo "event=\${{ github.event_name }} head=\${{ github.head_ref }} base=\${{ github.base_ref }} ref=\${{ github.ref }} token=[\${{ secrets.TOKEN }}]" && cat change.txt
  slow:
    runs-on: self-hosted
    steps:
      - run: sleep "$(cat delay.txt 2>/dev/null || echo 0)"
`;

interface OpenMr {
  target: FakeGitLabProject;
  source?: FakeGitLabProject;
  iid: number;
  sha: string;
  sourceBranch: string;
}

/** A project (Developer `dev`, Reporter `watcher`) and an MR from `feature`, or from a fork by `forkOwner`. */
async function openMr(path: string, options: { forkOwner?: string; delay?: number } = {}): Promise<OpenMr> {
  const { project } = await s.gl.createProject(path, {
    ".flotilla/workflows/ci.yml": WORKFLOW,
    "change.txt": "base\n",
  });
  s.gl.setMember(project, "dev", 30);
  s.gl.setMember(project, "watcher", 20);
  const secret = await fetch(`${s.f.publicUrl}/api/v1/secrets/${new URL(s.gl.url).host}/${path}/TOKEN`, {
    method: "PUT",
    headers: { authorization: `Bearer ${s.f.apiToken}`, "content-type": "application/json" },
    body: JSON.stringify({ value: "s3cret" }),
  });
  expect(secret.status).toBe(201);
  const source = options.forkOwner
    ? (await s.gl.createProject(`${options.forkOwner}/${path.split("/").pop()}`, {}, { forkOf: project })).project
    : undefined;
  const files = { "change.txt": `from ${options.forkOwner ?? "dev"}\n`, "delay.txt": `${options.delay ?? 0}\n` };
  await s.gl.commit(source ?? project, files, { branch: "feature" });
  const author = options.forkOwner ?? "dev";
  const mr = await s.gl.openMergeRequest(project, { ...(source ? { source } : {}), sourceBranch: "feature", author });
  const hook = mergeRequestHook(project, s.gl.url, {
    iid: mr.iid,
    action: "open",
    ...(source ? { source } : {}),
    sourceBranch: "feature",
    sha: mr.sha,
    author,
  });
  expect((await s.deliver(hook)).status).toBe(202);
  return { target: project, ...(source ? { source } : {}), iid: mr.iid, sha: mr.sha, sourceBranch: "feature" };
}

const logOf = async (targetUrl: string | null) => (await fetch(targetUrl!)).text();
const awardsOn = (noteId: number) =>
  s.gl.awards.filter((a) => a.noteId === noteId).map((a) => `${a.name} by ${a.user}`);
const botNotes = (mr: OpenMr) =>
  s.gl.notes.filter((n) => n.projectId === mr.target.id && n.iid === mr.iid && n.author === s.gl.botUser.username);

describe("a merge request", { timeout: 240_000 }, () => {
  let mr: OpenMr;

  it("runs on: pull_request at its head, with GitHub's names for its branches and ref", async () => {
    mr = await openMr("acme/mr");
    const [check] = await s.settled(mr.sha, ["check", "slow", "flotilla/mr"]);
    expect(check!.status).toBe("success");
    const log = await logOf(check!.targetUrl);
    expect(log).toContain(`event=pull_request head=feature base=main ref=refs/merge-requests/${mr.iid}/head`);
    expect(log).toContain("from dev");
    expect(log).toContain("token=[***]");
  });

  it("re-runs every job on a Developer's /rerun all: 👀 then 👍, new statuses on the head", async () => {
    const note = await s.note(mr.target, mr, "dev", "/rerun all");
    await s.gl.waitFor(() => awardsOn(note).length === 2, { timeoutMs: 180_000, what: "two award emoji" });
    expect(awardsOn(note)).toEqual([`eyes by ${s.gl.botUser.username}`, `thumbsup by ${s.gl.botUser.username}`]);
    const twice = (name: string) => s.history(mr.sha, name).filter((st) => st === "success").length === 2;
    await s.gl.waitFor(() => twice("check") && twice("slow") && twice("flotilla/mr"), {
      timeoutMs: 180_000,
      what: "the re-run's successes",
    });
    expect(s.history(mr.sha, "check")).toEqual(["pending", "running", "success", "pending", "running", "success"]);
  });

  it("answers a Reporter's /rerun with a note naming who may, and runs nothing", async () => {
    const before = s.history(mr.sha, "check").length;
    const note = await s.note(mr.target, mr, "watcher", "/rerun all");
    const reply = await s.gl.waitFor(() => botNotes(mr).find((n) => n.body.includes("Only users with")), {
      timeoutMs: 180_000,
    });
    expect(reply.body).toContain("Only users with Developer, Maintainer or Owner role");
    expect(reply.body).toContain("@watcher has the Reporter role or lower");
    expect(awardsOn(note)).toEqual([`eyes by ${s.gl.botUser.username}`]);
    expect(s.history(mr.sha, "check")).toHaveLength(before);
  });

  it("answers /help with the table of commands, naming GitLab's roles", async () => {
    await s.note(mr.target, mr, "watcher", "/help");
    const reply = await s.gl.waitFor(() => botNotes(mr).find((n) => n.body.includes("| command")), {
      timeoutMs: 180_000,
    });
    expect(reply.body).toContain("`/rerun`");
    expect(reply.body).toContain("`Developer`, `Maintainer` or `Owner` role on this repository");
  });

  it("takes its commands from a note that also holds GitLab quick actions (none of ours is one)", async () => {
    const note = await s.note(mr.target, mr, "dev", "/label ~ci\n/help\n/approve");
    expect(s.gl.notes.find((n) => n.id === note)?.body).toBe("/help");
    await s.gl.waitFor(() => awardsOn(note).includes(`thumbsup by ${s.gl.botUser.username}`), { timeoutMs: 180_000 });
    // A note of quick actions alone is never created, so no hook reaches the bot.
    expect(await s.note(mr.target, mr, "dev", "/approve")).toBe(0);
  });

  it("does nothing for a note the bot wrote itself", async () => {
    const since = Date.now();
    const note = await s.note(mr.target, mr, s.gl.botUser.username, "/rerun all");
    // A Developer's note after it is carried out; the bot's note before it never was.
    const later = await s.note(mr.target, mr, "dev", "/help");
    await s.gl.waitFor(() => awardsOn(later).includes(`thumbsup by ${s.gl.botUser.username}`), { timeoutMs: 180_000 });
    expect(awardsOn(note)).toEqual([]);
    // A re-run would have queued its jobs again.
    expect(s.gl.statuses.filter((st) => st.sha === mr.sha && st.at >= since && st.status === "pending")).toEqual([]);
  });

  it("cancels its running jobs on /cancel", async () => {
    const slow = await openMr("acme/mr-slow", { delay: 120 });
    await s.gl.waitFor(() => s.history(slow.sha, "slow").includes("running"), { timeoutMs: 180_000 });
    const note = await s.note(slow.target, slow, "dev", "/cancel");
    const [cancelled] = await s.settled(slow.sha, ["slow"], ["canceled"]);
    expect(cancelled!.description).toContain("Cancelled by @dev with /cancel");
    await s.gl.waitFor(() => awardsOn(note).length === 2, { timeoutMs: 180_000 });
  });
});

describe("a merge request from a fork by someone who is no member", { timeout: 240_000 }, () => {
  it("waits for a Developer's /ok-to-test, cloning nothing, then runs that head without secrets", async () => {
    const clonesBefore = s.gl.clones.length;
    const mr = await openMr("acme/fork-base", { forkOwner: "stranger" });
    const held = await s.gl.waitFor(() => s.gl.statuses.find((st) => st.sha === mr.sha && st.name === "check"), {
      timeoutMs: 180_000,
    });
    expect(held).toMatchObject({
      status: "pending",
      description: "Waiting for approval: a maintainer comments /ok-to-test",
    });
    expect(held.ref).toBe(`refs/merge-requests/${mr.iid}/head`);
    const run = await s.gl.waitFor(() => s.gl.statuses.find((st) => st.sha === mr.sha && st.name === "flotilla/mr"), {
      timeoutMs: 180_000,
    });
    expect(run.description).toBe("Waiting for a maintainer's /ok-to-test");
    expect(s.gl.clones.slice(clonesBefore)).toEqual([]);

    // The fork's author cannot approve it; a Developer can.
    await s.note(mr.target, mr, "stranger", "/ok-to-test");
    await s.note(mr.target, mr, "dev", "/ok-to-test");
    const [check] = await s.settled(mr.sha, ["check", "slow", "flotilla/mr"]);
    expect(check!.status).toBe("success");
    const log = await logOf(check!.targetUrl);
    expect(log).toContain("from stranger");
    expect(log).toContain("token=[]");
  });
});
