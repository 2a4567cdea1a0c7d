/**
 * One follower's place on upstream's NATS: an account of its own, signed by upstream's operator,
 * whose only imports are its part of what the federation account and Flotilla's account export
 * (`protocol/federation.ts`), and a user in it whose credential the follower's leaf node
 * connects with (leaf connections only). Revoking re-signs the account with no imports and every
 * user revoked; pushed to the server, that cuts the leaf connection at once and refuses it after.
 *
 * The account's seed is kept in the authority directory (`followers/<name>.seed`), so a revocation
 * re-signs the same account and an invitation given twice names the same follower.
 */
import type { NatsAuthority } from "../fleet/nats-authority.ts";
import { followerImports } from "../../protocol/federation.ts";
import { checkNamespace, type NatsNames } from "../../protocol/names.ts";
import { newUserCreds, storedKey } from "./stored-key.ts";

export interface FollowerCredential {
  /** The follower's account JWT: pushed to upstream's server before the credential is handed out. */
  accountJwt: string;
  /** The `.creds` text the follower's leaf node connects with. */
  creds: string;
}

/** A new user credential for follower `name` (its account made on first use), and the account JWT. */
export async function inviteFollower(
  authority: NatsAuthority,
  names: NatsNames,
  name: string,
  federationAccount: string,
): Promise<FollowerCredential> {
  const account = storedKey(authority.dir, followerSeed(name));
  const creds = await newUserCreds(`follower ${name}`, account, { allowed_connection_types: ["LEAFNODE"] });
  const accountJwt = await authority.signAccount(`follower ${name}`, account, {
    imports: followerImports(names, name, { federation: federationAccount, flotilla: authority.accountKey }),
  } as never);
  return { accountJwt, creds };
}

/** The follower's account JWT with nothing imported and every user issued until now revoked. */
export async function revokedFollowerJwt(authority: NatsAuthority, name: string): Promise<string> {
  const account = storedKey(authority.dir, followerSeed(name));
  // "*" revokes every user JWT issued at or before this second (the JWT library's convention).
  const revocations = { "*": Math.ceil(Date.now() / 1000) + 1 };
  return authority.signAccount(`follower ${name} (revoked)`, account, { imports: [], revocations } as never);
}

function followerSeed(name: string): string {
  return `followers/${checkNamespace(name)}.seed`;
}
