/**
 * One forge as the rest of the bot meets it: how its stored events read (the run they start,
 * or the runs they steer), the API client for one installation or project, and what jobs see
 * as `github.server_url` / `api_url`. The planner, reporter and commands hold a `Forges` and
 * never ask which forge an event or run came from; each forge's folder builds its kind
 * (bot/forges/github/github-kind.ts, bot/forges/gitlab/gitlab-kind.ts).
 */
import type { ForgeEvent } from "../../protocol/messages.ts";
import { fail, type Result } from "../../protocol/result.ts";
import type { RunContext } from "../runs/run-context.ts";
import type { SteerEvent } from "../runs/steer-event.ts";
import type { Forge } from "./forge.ts";

export type ForgeName = ForgeEvent["forge"];

/** Whose forge client a run or event needs: the forge, and on GitHub the App installation. */
interface ForgeOwner {
  forge: ForgeName;
  installationId?: number | null;
}

export interface ForgeKind {
  /** The run a stored event starts; fails with why it starts none. */
  runContext(event: ForgeEvent): Result<RunContext>;
  /**
   * What a stored event asks of runs already planned (a comment, a button); fails when it steers
   * nothing — the bot's own comments included, which may take asking the forge who the bot is.
   */
  steerEvent(event: ForgeEvent): Promise<Result<SteerEvent>>;
  forge(owner: ForgeOwner): Promise<Forge>;
  /** The forge's web address, as jobs see it in `github.server_url`. */
  serverUrl: string;
  /** Its API's address, as jobs see it in `github.api_url`. */
  apiUrl: string;
  /** Where jobs fetch `uses:` actions from, when not from `serverUrl` (a forge that serves none). */
  actionsUrl?: string;
}

export interface Forges {
  /** The kind of `name`; throws when that forge is not configured (its events are never stored then). */
  kind(name: ForgeName): ForgeKind;
  /** The client for the installation or project `owner` belongs to. */
  forgeOf(owner: ForgeOwner): Promise<Forge>;
  runContext(event: ForgeEvent): Result<RunContext>;
  steerEvent(event: ForgeEvent): Promise<Result<SteerEvent>>;
}

export function forges(kinds: Partial<Record<ForgeName, ForgeKind>>): Forges {
  const kind = (name: ForgeName): ForgeKind => {
    const found = kinds[name];
    if (!found) throw new Error(`${name} is not configured in this bot: its events and runs cannot be served`);
    return found;
  };
  const known = (event: ForgeEvent) => kinds[event.forge];
  return {
    kind,
    forgeOf: (owner) => kind(owner.forge).forge(owner),
    runContext: (event) => known(event)?.runContext(event) ?? fail(`${event.forge} is not configured in this bot`),
    steerEvent: async (event) =>
      (await known(event)?.steerEvent(event)) ?? fail(`${event.forge} is not configured in this bot`),
  };
}
