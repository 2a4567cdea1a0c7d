/**
 * `/api/v1/namespaces` — what `flotilla namespace` calls:
 *   GET    /api/v1/namespaces          every namespace, what it follows and its runner count
 *   GET    /api/v1/namespaces/NAME     one of them
 *   PUT    /api/v1/namespaces/NAME     {follows: ["owner/*", "owner/repo"], aliases?: {"ubuntu-latest": ["linux", "x64"]},
 *                                       priority?: "acme/app:main=high", weights?: "acme/*=2"}: creates or replaces it
 *                                       (priority and weights are kept when absent; "" clears them)
 *   DELETE /api/v1/namespaces/NAME     removes it (not `default`, not while it has runners)
 * The planner reads namespaces for every run, so a change applies to the next event.
 */
import { and, asc, count, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client.ts";
import { namespaces, runners } from "../../db/schema.ts";
import { NAMESPACE_PATTERN } from "../../protocol/names.ts";
import { FOLLOW_PATTERN } from "../fleet/namespace-follows.ts";
import { parsePriorityRules, parseWeights } from "../scheduler/scheduling-rules.ts";
import { pathOf, sendJson, type Handler } from "../http/handler.ts";
import { authorized, jsonBody } from "./auth.ts";

const PATH = /^\/api\/v1\/namespaces(?:\/([^/]*))?$/;
const LABEL = /^[A-Za-z0-9._-]{1,100}$/;

const NamespaceUpdate = z.object({
  follows: z
    .array(
      z
        .string()
        .trim()
        .regex(FOLLOW_PATTERN, "must be OWNER/REPO (or HOST/GROUP/PROJECT for GitLab), any part a glob (`owner/*`)"),
    )
    .max(100),
  aliases: z
    .record(
      z.string().regex(LABEL, "an alias is a label: letters, digits, '.', '-' and '_'"),
      z.array(z.string().regex(LABEL, "must be labels: letters, digits, '.', '-' and '_'")).min(1).max(20),
    )
    .default({}),
  priority: z
    .string()
    .max(4_000)
    .refine((text) => parsePriorityRules(text).ok, {
      message: "is not a list of REPOSITORY[:BRANCH[:WORKFLOW]]=high|normal|low",
    })
    .optional(),
  weights: z
    .string()
    .max(4_000)
    .refine((text) => parseWeights(text).ok, { message: "is not a list of REPOSITORY=WEIGHT with weights above 0" })
    .optional(),
});

export function namespacesHandler(options: { db: Db; token?: string }): Handler {
  const { db } = options;
  return async (req, res) => {
    const match = PATH.exec(pathOf(req).path);
    if (!match) return false;
    if (!authorized(req, res, options.token)) return true;
    const name = match[1] === undefined ? undefined : decoded(match[1]);
    if (name === undefined) {
      if (req.method !== "GET")
        return sendJson(res, 405, { error: "GET the namespaces, or PUT/DELETE /api/v1/namespaces/NAME" });
      return sendJson(res, 200, { namespaces: await described(db) });
    }
    if (!NAMESPACE_PATTERN.test(name))
      return sendJson(res, 400, {
        error: `namespace "${name}" may only hold letters, digits, '-' and '_' (at most 64)`,
      });
    switch (req.method) {
      case "GET": {
        const [found] = await described(db, name);
        return found ? sendJson(res, 200, found) : sendJson(res, 404, { error: `no namespace ${name}` });
      }
      case "PUT": {
        const update = await jsonBody(req, res, NamespaceUpdate);
        if (!update) return true;
        const follows = [...new Set(update.follows)];
        const { aliases } = update;
        const scheduling = {
          ...(update.priority !== undefined ? { priority: update.priority.trim() } : {}),
          ...(update.weights !== undefined ? { weights: update.weights.trim() } : {}),
        };
        const [existing] = await db.select({ name: namespaces.name }).from(namespaces).where(eq(namespaces.name, name));
        await db
          .insert(namespaces)
          .values({ name, follows, aliases, ...scheduling })
          .onConflictDoUpdate({ target: namespaces.name, set: { follows, aliases, ...scheduling } });
        const [saved] = await described(db, name);
        return sendJson(res, existing ? 200 : 201, saved);
      }
      case "DELETE": {
        if (name === "default")
          return sendJson(res, 409, {
            error:
              "the default namespace stays; narrow what it follows instead: flotilla namespace set default --follows 'owner/*'",
          });
        const [{ live } = { live: 0 }] = await db
          .select({ live: count() })
          .from(runners)
          .where(and(eq(runners.namespace, name), isNull(runners.removedAt)));
        if (live > 0)
          return sendJson(res, 409, {
            error: `namespace ${name} has ${live} runner${live === 1 ? "" : "s"}: remove them first (flotilla runner remove)`,
          });
        const removed = await db
          .delete(namespaces)
          .where(eq(namespaces.name, name))
          .returning({ name: namespaces.name });
        return removed.length > 0
          ? sendJson(res, 200, { removed: name })
          : sendJson(res, 404, { error: `no namespace ${name}` });
      }
      default:
        return sendJson(res, 405, { error: "GET, PUT or DELETE a namespace" });
    }
  };
}

/** Namespaces with what they follow and how many runners (not removed) they have. */
async function described(db: Db, name?: string) {
  const rows = await db
    .select({
      name: namespaces.name,
      follows: namespaces.follows,
      aliases: namespaces.aliases,
      priority: namespaces.priority,
      weights: namespaces.weights,
      createdAt: namespaces.createdAt,
      runners: count(runners.id),
    })
    .from(namespaces)
    .leftJoin(runners, and(eq(runners.namespace, namespaces.name), isNull(runners.removedAt)))
    .where(name === undefined ? undefined : eq(namespaces.name, name))
    .groupBy(namespaces.name)
    .orderBy(asc(namespaces.name));
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}

/** The name as given (a malformed escape stays as it is, and fails the name check). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
