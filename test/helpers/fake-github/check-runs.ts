/**
 * The Checks API subset Flotilla uses. Behaviour copied from GitHub where the product could
 * get it wrong: a conclusion implies `completed`, `completed` needs a conclusion, at most 50
 * annotations per request (kept cumulatively), head_sha must be a commit of the repository.
 * Buttons (`actions`, at most three, validated by the OpenAPI schema) are replaced by each
 * request that sends them and kept in the record's `actions`.
 */
import { error, json, notFound, nodeId, nowIso, paginate, type Reply } from "./http.ts";
import { appObject } from "./objects.ts";
import { resolveCommit } from "./repo-git.ts";
import type { RepoContext, Route } from "./route.ts";
import type { CheckRunRecord, JsonObject } from "./types.ts";

const DOCS = "https://docs.github.com/rest/checks/runs";
const MAX_ANNOTATIONS_PER_REQUEST = 50;
const MAX_OUTPUT_CHARS = 65535;
// Real check run ids passed 2^32 long ago: a product storing them in an int4 column must fail here too.
const FIRST_ID = 30_000_000_000;

export function checkRunRoutes(): Route[] {
  const suites = new Map<string, number>();
  let nextId = FIRST_ID;
  const write = [["checks", "write"]] as [string, "write"][];
  const read = [["checks", "read"]] as [string, "read"][];
  return [
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/check-runs",
      auth: "repo",
      permissions: write,
      handle: (ctx) => create(ctx, ++nextId, suites),
    },
    {
      method: "PATCH",
      template: "/repos/{owner}/{repo}/check-runs/{check_run_id}",
      auth: "repo",
      permissions: write,
      handle: update,
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/check-runs/{check_run_id}",
      auth: "repo",
      permissions: read,
      handle: (ctx) => withRun(ctx, (r) => json(200, r.run)),
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
      auth: "repo",
      permissions: read,
      handle: (ctx) => withRun(ctx, (r) => listReply(ctx, r.annotations, (page) => page)),
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/commits/{ref}/check-runs",
      auth: "repo",
      permissions: read,
      handle: listForRef,
    },
  ];
}

function limits(body: JsonObject): Reply | undefined {
  const output = body.output as { summary?: string; text?: string; annotations?: unknown[] } | undefined;
  if ((output?.annotations?.length ?? 0) > MAX_ANNOTATIONS_PER_REQUEST) {
    return error(
      422,
      `Invalid request.\n\nOnly ${MAX_ANNOTATIONS_PER_REQUEST} annotations are allowed per request.`,
      DOCS,
    );
  }
  for (const field of ["summary", "text"] as const) {
    if ((output?.[field]?.length ?? 0) > MAX_OUTPUT_CHARS)
      return error(
        422,
        `Invalid request.\n\noutput.${field} is too long (maximum is ${MAX_OUTPUT_CHARS} characters).`,
        DOCS,
      );
  }
  if (body.status === "completed" && !body.conclusion)
    return error(422, "Invalid request.\n\nNo conclusion provided for completed status.", DOCS);
  return undefined;
}

async function create(ctx: RepoContext, id: number, suites: Map<string, number>): Promise<Reply> {
  const body = ctx.body ?? {};
  const problem = limits(body);
  if (problem) return problem;
  const headSha = String(body.head_sha);
  const commit = /^[0-9a-f]{40}$/i.test(headSha) ? await resolveCommit(ctx.repo.gitDir, headSha) : undefined;
  if (!commit) return error(422, `No commit found for SHA: ${headSha}`, DOCS);
  const suiteKey = `${ctx.repo.fullName}@${commit}`;
  if (!suites.has(suiteKey)) suites.set(suiteKey, 10_000_000_000 + suites.size + 1);
  const base = `${ctx.site.apiUrl}/repos/${ctx.repo.fullName}/check-runs/${id}`;
  const record: CheckRunRecord = {
    id,
    repo: ctx.repo.fullName,
    run: {
      id,
      name: String(body.name),
      node_id: nodeId("CheckRun", id),
      head_sha: commit,
      external_id: "",
      url: base,
      html_url: `${ctx.site.url}/${ctx.repo.fullName}/runs/${id}`,
      details_url: `${ctx.site.url}/apps/${ctx.site.app.slug}`,
      status: "queued",
      conclusion: null,
      started_at: nowIso(),
      completed_at: null,
      output: { title: null, summary: null, text: null, annotations_count: 0, annotations_url: `${base}/annotations` },
      check_suite: { id: suites.get(suiteKey) },
      app: appObject(ctx.site),
      pull_requests: [],
    },
    history: [],
    annotations: [],
    actions: [],
  };
  apply(record, body, "POST");
  ctx.state.checkRuns.push(record);
  ctx.state.changed();
  return json(201, record.run, { location: base });
}

async function update(ctx: RepoContext): Promise<Reply> {
  const body = ctx.body ?? {};
  return withRun(ctx, (record) => {
    const problem = limits(
      body.conclusion || record.run.conclusion
        ? { ...body, conclusion: body.conclusion ?? record.run.conclusion }
        : body,
    );
    if (problem) return problem;
    apply(record, body, "PATCH");
    ctx.state.changed();
    return json(200, record.run);
  });
}

/** Merges a create/update body into the stored run, as GitHub does. */
function apply(record: CheckRunRecord, body: JsonObject, method: "POST" | "PATCH"): void {
  const run = record.run;
  for (const key of [
    "name",
    "details_url",
    "external_id",
    "started_at",
    "status",
    "conclusion",
    "completed_at",
  ] as const) {
    if (body[key] !== undefined) (run as JsonObject)[key] = body[key];
  }
  // GitHub does not show them on the check run object; the record keeps them for tests.
  if (Array.isArray(body.actions)) record.actions = structuredClone(body.actions as JsonObject[]);
  if (body.conclusion) run.status = "completed";
  if (run.status === "completed" && !run.completed_at) run.completed_at = nowIso();
  const output = body.output as (JsonObject & { annotations?: JsonObject[] }) | undefined;
  if (output) {
    const stored = run.output as JsonObject & { annotations_count: number };
    for (const key of ["title", "summary", "text"] as const) if (output[key] !== undefined) stored[key] = output[key];
    const added = (output.annotations ?? []).map((a) => annotationObject(record, a));
    record.annotations.push(...added);
    stored.annotations_count = record.annotations.length;
  }
  record.history.push({ method, body: structuredClone(body), at: nowIso() });
}

function annotationObject(record: CheckRunRecord, a: JsonObject): JsonObject {
  return {
    path: a.path,
    blob_href: `${String(record.run.html_url).replace(/\/runs\/\d+$/, "")}/blob/${record.run.head_sha}/${String(a.path)}`,
    start_line: a.start_line,
    end_line: a.end_line,
    start_column: a.start_column ?? null,
    end_column: a.end_column ?? null,
    annotation_level: a.annotation_level,
    title: a.title ?? null,
    message: a.message,
    raw_details: a.raw_details ?? null,
  };
}

function withRun(ctx: RepoContext, fn: (record: CheckRunRecord) => Reply): Reply {
  const id = Number(ctx.params.check_run_id);
  const record = ctx.state.checkRuns.find((r) => r.id === id && r.repo === ctx.repo.fullName);
  return record ? fn(record) : notFound();
}

function listReply<T>(ctx: RepoContext, items: T[], shape: (page: T[]) => unknown): Reply {
  const { page, headers } = paginate(items, ctx.url);
  return json(200, shape(page), headers);
}

async function listForRef(ctx: RepoContext): Promise<Reply> {
  const sha = await resolveCommit(ctx.repo.gitDir, ctx.params.ref ?? "");
  if (!sha) return error(422, `No commit found for SHA: ${ctx.params.ref}`, DOCS);
  const q = ctx.url.searchParams;
  let runs = ctx.state.checkRuns.filter((r) => r.repo === ctx.repo.fullName && r.run.head_sha === sha);
  if (q.get("check_name")) runs = runs.filter((r) => r.run.name === q.get("check_name"));
  if (q.get("status")) runs = runs.filter((r) => r.run.status === q.get("status"));
  // filter=latest (the default): only the most recent run of each name.
  if ((q.get("filter") ?? "latest") === "latest")
    runs = runs.filter((r) => !runs.some((o) => o.run.name === r.run.name && o.id > r.id));
  const newestFirst = [...runs].sort((a, b) => b.id - a.id).map((r) => r.run);
  return listReply(ctx, newestFirst, (page) => ({ total_count: newestFirst.length, check_runs: page }));
}
