/**
 * Webhooks beyond push and pull request that start workflows as on GitHub: `repository_dispatch`
 * (its `event_type` against `types`, `client_payload` in `github.event`, at the default branch's
 * head) and `release` (its activity type against `types`, at the tag's commit with `github.ref`
 * `refs/tags/<tag>`, drafts' `created` starting nothing). An event Flotilla does not run on is
 * answered as not triggering, and stored nowhere, and so is GitHub's own `workflow_run`. Payloads are GitHub's examples.
 */
import { beforeAll, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { INSTALLATION_ID } from "../helpers/flotilla.ts";
import { commitFiles, git } from "../helpers/git-repo.ts";
import type { FakeRepository } from "../helpers/fake-github/types.ts";
import { examplePayload, releasePayload, repositoryDispatchPayload } from "../helpers/webhooks.ts";

const f = flotillaSuite({ runners: [{ name: "events-runner" }] });

const SHOW = `echo "event \${{ github.event_name }} action \${{ github.event.action }} ref \${{ github.ref }} sha \${{ github.sha }}"`;

const files = {
  ".flotilla/workflows/deploy.yml": `on:
  repository_dispatch:
    types: [deploy]
jobs:
  deploy:
    runs-on: self-hosted
    steps:
      - run: ${SHOW} target \${{ github.event.client_payload.target }}
`,
  ".flotilla/workflows/publish.yml": `on:
  release:
    types: [published]
jobs:
  publish:
    runs-on: self-hosted
    steps:
      - run: ${SHOW} tag \${{ github.event.release.tag_name }}
`,
  // Every activity type: a draft's `created` still starts nothing, as on GitHub.
  ".flotilla/workflows/notes.yml": `on: [release]
jobs:
  notes:
    runs-on: self-hosted
    steps:
      - run: ${SHOW}
`,
};

let repo: FakeRepository;
let tagged: string;
let head: string;

beforeAll(async () => {
  const created = await f.repository("acme", "shipping", files);
  repo = created.repo;
  tagged = created.sha;
  await git(created.dir, ["tag", "v1.0.0", tagged]);
  // The default branch moves on past the tag: a release still runs at its tag.
  head = await commitFiles(created.dir, { "README.md": "later\n" });
});

function output(name: string, sha: string) {
  return f.fake
    .waitForCheckRun(name, (r) => r.run.status === "completed" && r.run.head_sha === sha, { timeoutMs: 30_000 })
    .then((r) => ({ conclusion: r.run.conclusion, text: (r.run.output as { text: string }).text }));
}

it("runs repository_dispatch workflows whose types name the event_type, at the default branch's head", async () => {
  const ignored = await f.deliver(
    "repository_dispatch",
    repositoryDispatchPayload(repo, { eventType: "lint", clientPayload: {}, installationId: INSTALLATION_ID }),
  );
  expect(ignored.status).toBe(202);
  const answer = await f.deliver(
    "repository_dispatch",
    repositoryDispatchPayload(repo, {
      eventType: "deploy",
      clientPayload: { target: "staging" },
      installationId: INSTALLATION_ID,
    }),
  );
  expect(answer.status).toBe(202);
  const run = await output("deploy", head);
  expect(run.conclusion).toBe("success");
  expect(run.text).toContain(`event repository_dispatch action deploy ref refs/heads/main sha ${head} target staging`);
  // `lint` matched no workflow's types: only the one deploy ran.
  expect(f.fake.checkRuns.filter((r) => r.run.name === "deploy")).toHaveLength(1);
});

it("runs release workflows at the tag's commit for their activity types; a draft's created starts nothing", async () => {
  const draft = await f.deliver(
    "release",
    releasePayload(repo, { action: "created", tag: "v1.0.0", draft: true, installationId: INSTALLATION_ID }),
  );
  expect(draft.status).toBe(202);
  const answer = await f.deliver(
    "release",
    releasePayload(repo, { action: "published", tag: "v1.0.0", installationId: INSTALLATION_ID }),
  );
  expect(answer.status).toBe(202);
  const run = await output("publish", tagged);
  expect(run.conclusion).toBe("success");
  expect(run.text).toContain(`event release action published ref refs/tags/v1.0.0 sha ${tagged} tag v1.0.0`);
  expect(f.fake.checkRuns.filter((r) => r.run.name === "publish")).toHaveLength(1);
  expect((await output("notes", tagged)).text).toContain("event release action published");
  expect(f.fake.checkRuns.filter((r) => r.run.name === "notes")).toHaveLength(1);
});

it("answers an event that starts no workflow in Flotilla as such, without storing it", async () => {
  const issues = await f.deliver("issues", examplePayload("issues", "opened"));
  expect(issues.status).toBe(200);
  expect(JSON.parse(issues.body)).toEqual({ ignored: "`issues` does not trigger workflows in Flotilla" });
  // GitHub's own workflow_run is about GitHub Actions' runs; Flotilla's comes from its runs.
  const run = await f.deliver("workflow_run", examplePayload("workflow_run", "completed"));
  expect(run.status).toBe(200);
  expect(JSON.parse(run.body).ignored).toContain("GitHub Actions' runs");
});
