/**
 * Secrets at rest: AES-256-GCM with the key from FLOTILLA_SECRETS_KEY. Each value gets a fresh
 * 96-bit nonce; the stored text is `v1.<nonce>.<ciphertext>.<tag>` (base64url). The key's id (a
 * short hash of it) is stored beside each value, so a value written with another key is named
 * as such instead of failing as garbage — that is what a key rotation needs to see.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { fail, ok, type Result } from "../../protocol/result.ts";

export interface SecretsKey {
  key: Buffer;
  /** First 12 hex digits of sha256(key): names the key without revealing it. */
  id: string;
}

/** How to write a key: what the error says, and what `openssl rand -base64 32` prints. */
const KEY_FORMAT = "32 bytes as base64 (e.g. `openssl rand -base64 32`) or 64 hex digits";

/** The key from its written form, or an error message naming what is wrong. */
export function parseSecretsKey(text: string): Result<SecretsKey> {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, "hex");
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) key = Buffer.from(trimmed, "base64");
  if (key?.length !== 32) {
    return fail(`must be ${KEY_FORMAT}; got ${key ? `${key.length} bytes` : "something else"}`);
  }
  return ok({ key, id: keyIdOf(key) });
}

function keyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 12);
}

export function generateSecretsKey(): string {
  return randomBytes(32).toString("base64");
}

export function encryptSecret(key: SecretsKey, plaintext: string, aad: string): { keyId: string; ciphertext: string } {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.key, nonce);
  // The scope and name are authenticated too: a ciphertext copied onto another secret's row does not decrypt.
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const parts = [nonce, body, cipher.getAuthTag()].map((b) => b.toString("base64url"));
  return { keyId: key.id, ciphertext: `v1.${parts.join(".")}` };
}

export class SecretDecryptError extends Error {
  override name = "SecretDecryptError";
}

export function decryptSecret(key: SecretsKey, stored: { keyId: string; ciphertext: string }, aad: string): string {
  if (stored.keyId !== key.id) {
    throw new SecretDecryptError(
      `was encrypted with another FLOTILLA_SECRETS_KEY (key id ${stored.keyId}; the bot has ${key.id}): set it again`,
    );
  }
  const [version, nonce, body, tag] = stored.ciphertext.split(".");
  if (version !== "v1" || nonce === undefined || body === undefined || tag === undefined)
    throw new SecretDecryptError("is not in a format this bot knows");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.key, Buffer.from(nonce, "base64url"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretDecryptError("does not decrypt (tampered with, or moved to another secret's row)");
  }
}
