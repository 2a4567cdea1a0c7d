/**
 * Upstream's federation account: the one place the federation stream lives, so that what a
 * follower can make JetStream do (deliver to a subject of its choosing) reaches nothing but that
 * stream (`protocol/federation.ts`). Made on first use in the authority directory; the bot
 * publishes reduced events into it through a user of its own (`federation/bot.creds`).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NatsAuthority } from "../fleet/nats-authority.ts";
import { federationAccountExports } from "../../protocol/federation.ts";
import type { NatsNames } from "../../protocol/names.ts";
import { newUserCreds, storedKey } from "./stored-key.ts";

export interface FederationAccount {
  key: string;
  /** Pushed to the server (`pushAccount`) before anyone connects to it. */
  jwt: string;
  /** The bot's user in it. */
  creds: string;
}

const SEED = "federation/account.seed";
const CREDS = "federation/bot.creds";

export async function federationAccount(authority: NatsAuthority, names: NatsNames): Promise<FederationAccount> {
  const account = storedKey(authority.dir, SEED);
  const credsFile = join(authority.dir, CREDS);
  if (!existsSync(credsFile)) {
    writeFileSync(credsFile, await newUserCreds("flotilla-federation", account, {}), { mode: 0o600 });
  }
  const jwt = await authority.signAccount(
    "flotilla federation",
    account,
    { exports: federationAccountExports(names) } as never,
    true,
  );
  return { key: account.getPublicKey(), jwt, creds: readFileSync(credsFile, "utf8") };
}
