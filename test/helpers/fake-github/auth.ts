/**
 * GitHub App authentication as GitHub does it: the app signs an RS256 JWT with its private
 * key; with it, it mints installation tokens scoped to repositories and permissions; those
 * tokens authenticate REST calls (`token X` / `Bearer X`) and git over HTTP (Basic, any user).
 */
import { createVerify, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { FakeState } from "./state.ts";
import type { Permissions, PermissionLevel, TokenRecord } from "./types.ts";

export type Caller =
  | { kind: "anonymous" }
  | { kind: "app" }
  | { kind: "installation"; token: TokenRecord }
  | { kind: "invalid"; reason: string };

export interface AppKey {
  appId: number;
  publicKey: string;
}

/** Verifies the app JWT: signature, `iss` = app id, not expired, not issued in the future. */
function verifyAppJwt(jwt: string, key: AppKey, now = Date.now()): string | undefined {
  const [header, payload, signature] = jwt.split(".");
  if (!header || !payload || !signature) return "A JSON web token could not be decoded";
  const verifier = createVerify("RSA-SHA256");
  verifier.update(`${header}.${payload}`);
  if (!verifier.verify(key.publicKey, Buffer.from(signature, "base64url")))
    return "A JSON web token could not be decoded";
  let claims: { iss?: unknown; exp?: unknown; iat?: unknown; alg?: unknown };
  let alg: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof claims;
    alg = (JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: unknown }).alg;
  } catch {
    return "A JSON web token could not be decoded";
  }
  if (alg !== "RS256") return "A JSON web token could not be decoded";
  if (String(claims.iss) !== String(key.appId)) return "'Issuer' claim ('iss') must be an Integer";
  const seconds = now / 1000;
  if (typeof claims.exp !== "number" || claims.exp < seconds)
    return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  if (claims.exp > seconds + 660) return "'Expiration time' claim ('exp') is too far in the future";
  if (typeof claims.iat !== "number" || claims.iat > seconds + 60)
    return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
  return undefined;
}

/** Works out who is calling from `Authorization`; never throws. */
export function identify(req: IncomingMessage, state: FakeState, key: AppKey): Caller {
  const header = req.headers.authorization;
  if (!header) return { kind: "anonymous" };
  const [scheme = "", credential = ""] = header.trim().split(/\s+/, 2);
  const lower = scheme.toLowerCase();
  if (lower === "basic") {
    // git: `x-access-token:<token>` (GitHub ignores the user name).
    const password = Buffer.from(credential, "base64").toString("utf8").split(":").slice(1).join(":");
    return tokenCaller(password, state);
  }
  if (lower !== "bearer" && lower !== "token") return { kind: "invalid", reason: "Bad credentials" };
  if (credential.split(".").length === 3) {
    const problem = verifyAppJwt(credential, key);
    return problem ? { kind: "invalid", reason: problem } : { kind: "app" };
  }
  return tokenCaller(credential, state);
}

function tokenCaller(token: string, state: FakeState): Caller {
  const record = state.tokens.find((t) => t.token === token);
  if (!record || Date.parse(record.expiresAt) <= Date.now()) return { kind: "invalid", reason: "Bad credentials" };
  return { kind: "installation", token: record };
}

export function describeCaller(caller: Caller): string {
  if (caller.kind === "installation") return `installation:${caller.token.installationId}`;
  return caller.kind === "invalid" ? "bad-credentials" : caller.kind;
}

/** May a token with `repositories` reach `fullName` of `installationId`? */
export function tokenCovers(token: TokenRecord, installationId: number, fullName: string): boolean {
  return (
    token.installationId === installationId && (token.repositories === null || token.repositories.includes(fullName))
  );
}

const RANK: Record<PermissionLevel, number> = { read: 1, write: 2, admin: 3 };

export function hasPermission(granted: Permissions, name: string, level: PermissionLevel): boolean {
  // Every installation token can read metadata, as on GitHub.
  if (name === "metadata" && level === "read") return true;
  const have = granted[name];
  return have !== undefined && RANK[have] >= RANK[level];
}

/** Requested ⊆ installation's, else the name of the first permission that is not granted. */
export function excessPermission(requested: Permissions, granted: Permissions): string | undefined {
  return Object.entries(requested).find(([name, level]) => !hasPermission(granted, name, level))?.[0];
}

/** `ghs_` + 36 characters, the shape of a real installation token. */
export function newToken(): string {
  return `ghs_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;
}
