/**
 * Registration tokens and runner registration: a token is made by an operator
 * (`flotilla token create`), used once by `flotilla runner register`, and kept only as a hash.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { namespaces, registrationTokens, runners } from "../../db/schema.ts";
import { normalizeLabels } from "../../protocol/labels.ts";
import { checkNamespace, type NatsNames } from "../../protocol/names.ts";
import type { RegisterRequest, RegisterResponse } from "../../protocol/registration.ts";
import type { NatsAuthority } from "./nats-authority.ts";

/** A refusal the API answers with `status` and `message` as they are. */
export class RegistrationError extends Error {
  override name = "RegistrationError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CreatedToken {
  token: string;
  namespace: string;
  expiresAt: Date;
}

export async function createRegistrationToken(db: Db, namespace: string, ttlMs: number): Promise<CreatedToken> {
  try {
    checkNamespace(namespace);
  } catch (error) {
    throw new RegistrationError(400, (error as Error).message);
  }
  // A token for a namespace nobody made yet makes it (following every repository).
  await db.insert(namespaces).values({ name: namespace }).onConflictDoNothing();
  const token = `flotilla-reg-${randomBytes(24).toString("base64url")}`;
  const expiresAt = new Date(Date.now() + ttlMs);
  await db.insert(registrationTokens).values({ tokenHash: hashToken(token), namespace, expiresAt });
  return { token, namespace, expiresAt };
}

export interface RegistrationDeps {
  db: Db;
  names: NatsNames;
  /** What runners dial (may differ from the bot's own NATS_URL). */
  natsUrl: string;
  authority?: NatsAuthority;
}

export async function registerRunner(deps: RegistrationDeps, request: RegisterRequest): Promise<RegisterResponse> {
  const id = randomUUID();
  const exclusiveLabels = normalizeLabels(request.exclusiveLabels);
  // An exclusive label is one of the runner's labels, whatever the request forgot.
  const labels = normalizeLabels([...request.labels, ...exclusiveLabels]);
  const namespace = await deps.db.transaction(async (tx) => {
    const [token] = await tx
      .select()
      .from(registrationTokens)
      .where(eq(registrationTokens.tokenHash, hashToken(request.token)))
      .for("update");
    if (!token)
      throw new RegistrationError(401, "this registration token is not known: make one with `flotilla token create`");
    if (token.usedAt)
      throw new RegistrationError(401, "this registration token was already used: tokens are good for one runner");
    if (token.expiresAt.getTime() <= Date.now())
      throw new RegistrationError(401, `this registration token expired at ${token.expiresAt.toISOString()}`);
    if (request.namespace && request.namespace !== token.namespace) {
      throw new RegistrationError(
        400,
        `this token registers runners in namespace "${token.namespace}", not "${request.namespace}"`,
      );
    }
    const [taken] = await tx
      .select({ id: runners.id })
      .from(runners)
      .where(and(eq(runners.name, request.name), isNull(runners.removedAt)));
    if (taken)
      throw new RegistrationError(
        409,
        `a runner named "${request.name}" is registered already: pick another --name, or remove it first (flotilla runner remove ${request.name})`,
      );
    await tx
      .update(registrationTokens)
      .set({ usedAt: sql`now()`, runnerId: id })
      .where(eq(registrationTokens.tokenHash, token.tokenHash));
    await tx.insert(runners).values({
      id,
      name: request.name,
      namespace: token.namespace,
      labels,
      exclusiveLabels,
      version: request.version,
      publicKey: request.publicKey,
    });
    return token.namespace;
  });
  const jwt = deps.authority ? await deps.authority.runnerJwt(request.publicKey, id, namespace, deps.names) : undefined;
  return {
    runner: { id, name: request.name, namespace, labels, exclusiveLabels },
    nats: { url: deps.natsUrl, prefix: deps.names.prefix, ...(jwt ? { jwt } : {}) },
  };
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
