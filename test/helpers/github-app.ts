/**
 * Credentials for a GitHub App that exists only in tests: the private key goes to the
 * product (as GitHub would hand it out), the public key to the fake GitHub to verify JWTs.
 */
import { generateKeyPairSync, randomBytes, randomInt } from "node:crypto";

export interface AppCredentials {
  appId: number;
  /** PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), the format GitHub's "Generate a private key" downloads. */
  privateKey: string;
  /** SPKI PEM, for the fake to verify the app's RS256 JWTs. */
  publicKey: string;
  webhookSecret: string;
}

export function createAppCredentials(): AppCredentials {
  // 2048 bits: what GitHub issues, and fast enough (~50ms) to make one per suite.
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return {
    appId: randomInt(100_000, 999_999),
    privateKey,
    publicKey,
    webhookSecret: randomBytes(16).toString("hex"),
  };
}

/**
 * A bot's settings for this App on a forge that is not github.com (the fake GitHub's `env`:
 * GHE_HOST and its protocol): what every bot a suite starts — in process or as `flotilla bot`
 * or `flotilla dev` — needs to be this App.
 */
export function appSettings(app: AppCredentials, forge: { env: Record<string, string> }): Record<string, string> {
  return {
    APP_ID: String(app.appId),
    PRIVATE_KEY: app.privateKey,
    WEBHOOK_SECRET: app.webhookSecret,
    ...forge.env,
  };
}
