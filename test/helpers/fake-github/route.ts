/**
 * What an endpoint module declares: method, the path template exactly as GitHub's OpenAPI
 * description spells it (so the body can be validated against that operation), who may call
 * it, and which installation permission it needs.
 */
import type { Caller } from "./auth.ts";
import type { Reply } from "./http.ts";
import type { Site } from "./objects.ts";
import type { FakeState } from "./state.ts";
import type { JsonObject, PermissionLevel, RepoEntry } from "./types.ts";

export interface RouteContext {
  site: Site;
  state: FakeState;
  url: URL;
  params: Record<string, string>;
  /** Parsed JSON body, already validated against the operation's schema. */
  body: JsonObject | undefined;
  caller: Caller;
  accept: string;
}

export interface RepoContext extends RouteContext {
  repo: RepoEntry;
}

export type Route =
  | { method: string; template: string; auth: "app"; handle(ctx: RouteContext): Reply | Promise<Reply> }
  | {
      method: string;
      template: string;
      /** Under /repos/{owner}/{repo}: token scope and permission checked before `handle`. */
      auth: "repo";
      /** Any one of these suffices (e.g. comments: issues or pull_requests write). */
      permissions: [string, PermissionLevel][];
      /** The app JWT may call it too (GET /repos/{owner}/{repo}/installation). */
      allowApp?: boolean;
      handle(ctx: RepoContext): Reply | Promise<Reply>;
    };
