import { describe, expect, it } from "vitest";
import { readBotConfig, ConfigError } from "../../../bot/config.ts";
import {
  decryptSecret,
  encryptSecret,
  generateSecretsKey,
  parseSecretsKey,
  type SecretsKey,
} from "../../../bot/secrets/crypto.ts";

function key(text = generateSecretsKey()): SecretsKey {
  const parsed = parseSecretsKey(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

describe("secrets at rest", () => {
  it("round-trips a multi-line value, and the ciphertext shows nothing of it", () => {
    const k = key();
    const value = "-----BEGIN KEY-----\nline two ünï\n-----END KEY-----";
    const sealed = encryptSecret(k, value, "acme/app\0DEPLOY_KEY");
    expect(sealed.ciphertext).not.toContain("BEGIN");
    expect(sealed.keyId).toBe(k.id);
    expect(decryptSecret(k, sealed, "acme/app\0DEPLOY_KEY")).toBe(value);
    // A fresh nonce each time: the same value never looks the same twice.
    expect(encryptSecret(k, value, "x").ciphertext).not.toBe(encryptSecret(k, value, "x").ciphertext);
  });

  it("names another key instead of returning garbage, and refuses a value moved to another row", () => {
    const sealed = encryptSecret(key(), "hunter2", "acme/app\0A");
    const other = key();
    expect(() => decryptSecret(other, sealed, "acme/app\0A")).toThrow(
      /another FLOTILLA_SECRETS_KEY \(key id [0-9a-f]{12}; the bot has [0-9a-f]{12}\)/,
    );
    const k = key();
    const moved = encryptSecret(k, "hunter2", "acme/app\0A");
    expect(() => decryptSecret(k, moved, "acme/app\0B")).toThrow(/does not decrypt/);
  });

  it("takes 32 bytes as base64 or hex, and names the problem otherwise", () => {
    expect(key("00".repeat(32)).key).toHaveLength(32);
    expect(key(Buffer.alloc(32, 7).toString("base64")).key).toHaveLength(32);
    expect(parseSecretsKey("c2hvcnQ=")).toEqual({
      ok: false,
      reason: expect.stringMatching(/32 bytes as base64 .* got 5 bytes/),
    });
    expect(parseSecretsKey("not a key!")).toEqual({ ok: false, reason: expect.stringMatching(/got something else/) });
  });

  it("stops the bot's start-up with a clear message for a bad FLOTILLA_SECRETS_KEY", () => {
    expect(() => readBotConfig({ FLOTILLA_SECRETS_KEY: "too-short" })).toThrow(ConfigError);
    expect(() => readBotConfig({ FLOTILLA_SECRETS_KEY: "too-short" })).toThrow(
      /FLOTILLA_SECRETS_KEY: must be 32 bytes as base64/,
    );
    expect(readBotConfig({}).secretsKey).toBeUndefined();
    expect(readBotConfig({ FLOTILLA_SECRETS_KEY: "ab".repeat(32) }).secretsKey?.id).toMatch(/^[0-9a-f]{12}$/);
  });
});
