/**
 * `/`: the first page until Flotilla has something to run (no GitHub App, no GitLab, nothing
 * followed, no run yet), the runs list from then on.
 */
import { count } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { gitFollows, runs } from "../../db/schema.ts";
import { pathOf, type Handler } from "../http/handler.ts";
import { sendHtml } from "./layout.ts";
import { runsPage } from "./runs-page.ts";
import { listRuns, runRepositories } from "./runs-query.ts";
import type { SetupPages } from "./setup-handler.ts";
import { askToSignIn, isOperator, type ViewerPolicy } from "./viewer.ts";

const PAGE_SIZE = 25;

export interface HomeOptions {
  db: Db;
  policy: ViewerPolicy;
  /** A GitHub App or GitLab is configured. */
  forgeConfigured: boolean;
  setup: SetupPages;
  pageSize?: number;
}

export function homeHandler(options: HomeOptions): Handler {
  const { db } = options;
  return async (req, res) => {
    const { path, query } = pathOf(req);
    if (req.method !== "GET" || path !== "/") return false;
    const operator = isOperator(req, options.policy);
    if (query.get("signin") && options.policy.apiToken && !operator) return askToSignIn(res);
    if (!options.forgeConfigured && !(await hasWork(db))) return sendHtml(res, 200, await options.setup.render(req));
    const filter = { repository: query.get("repository") || undefined, status: query.get("status") || undefined };
    const list = await listRuns(db, {
      ...filter,
      before: query.get("before") ?? undefined,
      after: query.get("after") ?? undefined,
      limit: options.pageSize ?? PAGE_SIZE,
      publicOnly: !operator,
    });
    return sendHtml(
      res,
      200,
      runsPage({
        page: list,
        query: filter,
        repositories: await runRepositories(db, !operator),
        operator,
        signIn: Boolean(options.policy.apiToken),
        now: new Date(),
      }),
    );
  };
}

async function hasWork(db: Db): Promise<boolean> {
  const [follows] = await db.select({ n: count() }).from(gitFollows);
  if (follows && follows.n > 0) return true;
  const [planned] = await db.select({ n: count() }).from(runs);
  return Boolean(planned && planned.n > 0);
}
