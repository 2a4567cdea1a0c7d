/**
 * Federation's keys kept in the NATS authority directory beside Flotilla's own: an account seed
 * made on first use and read back after, so re-signing an account keeps its identity.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createAccount, createUser, fromSeed, type KeyPair } from "@nats-io/nkeys";
import { encodeUser, fmtCreds } from "@nats-io/jwt";

export function storedKey(dir: string, file: string, make: () => KeyPair = createAccount): KeyPair {
  const path = join(dir, file);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, make().getSeed(), { mode: 0o600 });
  }
  return fromSeed(new TextEncoder().encode(readFileSync(path, "utf8").trim()));
}

/** A `.creds` text for a new user of `account`, limited by `claims` (a user JWT's `nats` fields). */
export async function newUserCreds(name: string, account: KeyPair, claims: Record<string, unknown>): Promise<string> {
  const user = createUser();
  const jwt = await encodeUser(name, user, account, { subs: -1, data: -1, payload: -1, ...claims } as never);
  return new TextDecoder().decode(fmtCreds(jwt, user));
}
