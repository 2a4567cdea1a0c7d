/**
 * What `flotilla federation join` and `flotilla follow` change on downstream: an upstream
 * remembered (from the invitation lines of its credential) and followed at once, and a
 * repository followed through it — a git follow marked with its upstream, never polled, in the
 * namespace asked for.
 */
import { asc, eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { federationUpstreams, gitFollows } from "../../db/schema.ts";
import { readInvitation } from "../../protocol/federation.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";
import type { ConsumeLoop } from "../bus/consume-loop.ts";
import { addNamespaceFollow } from "../fleet/namespace-follows.ts";
import { findFollow, saveFollow } from "../forges/git/follows-store.ts";
import { type DownstreamDeps, followUpstream, type UpstreamRow } from "./downstream.ts";

interface FollowRequest {
  /** `HOST/OWNER/REPO`, as upstream's events name it. */
  repository: string;
  namespace?: string;
  branches: string[];
  /** Which upstream it comes from; the only one joined when not said. */
  upstream?: string;
}

export interface DownstreamFederation {
  join(credential: string): Promise<Result<UpstreamRow>>;
  follow(request: FollowRequest): Promise<Result<string>>;
  close(): Promise<void>;
}

const REPOSITORY = /^[^/\s]+\/[^/\s]+\/[^/\s]+$/;

export async function startDownstreamFederation(deps: DownstreamDeps): Promise<DownstreamFederation> {
  const { db } = deps;
  const loops = new Map<string, ConsumeLoop>();
  for (const upstream of await db.select().from(federationUpstreams)) {
    loops.set(upstream.name, await followUpstream(deps, upstream));
  }
  return {
    async join(credential) {
      const invitation = readInvitation(credential);
      if (typeof invitation === "string") return fail(invitation);
      const row = {
        name: invitation.upstream,
        domain: invitation.domain,
        stream: invitation.stream,
        follower: invitation.follower,
        deliver: invitation.deliver,
        resultsSubject: invitation.results,
      };
      const [saved] = await db
        .insert(federationUpstreams)
        .values(row)
        .onConflictDoUpdate({ target: federationUpstreams.name, set: row })
        .returning();
      if (!loops.has(saved!.name)) loops.set(saved!.name, await followUpstream(deps, saved!));
      return ok(saved!);
    },
    async follow(request) {
      if (!REPOSITORY.test(request.repository)) return fail(`"${request.repository}" is not HOST/OWNER/REPO`);
      const upstream = await chooseUpstream(db, request.upstream);
      if (!upstream.ok) return upstream;
      const name = request.repository;
      const existing = await findFollow(db, name);
      if (existing && existing.upstream !== upstream.value) {
        return fail(`${name} is followed already, not through ${upstream.value}`);
      }
      await saveFollow(db, {
        name,
        // Until upstream's first event names the clone URL, the usual one (git_follows.url is unique).
        url: existing?.url ?? `https://${name}.git`,
        branches: [...new Set(request.branches)],
        resultsRepo: null,
      });
      await db.update(gitFollows).set({ upstream: upstream.value }).where(eq(gitFollows.name, name));
      if (request.namespace) await addNamespaceFollow(db, request.namespace, name);
      return ok(name);
    },
    async close() {
      await Promise.all([...loops.values()].map((loop) => loop.stop()));
    },
  };
}

async function chooseUpstream(db: Db, wanted: string | undefined): Promise<Result<string>> {
  const upstreams = await db.select().from(federationUpstreams).orderBy(asc(federationUpstreams.name));
  if (wanted) {
    return upstreams.some((u) => u.name === wanted)
      ? ok(wanted)
      : fail(`no upstream ${wanted}: flotilla federation join`);
  }
  if (upstreams.length === 1) return ok(upstreams[0]!.name);
  return upstreams.length === 0
    ? fail("no upstream joined yet: flotilla federation join URL --credential FILE")
    : fail(`several upstreams joined (${upstreams.map((u) => u.name).join(", ")}): say which with --upstream`);
}
