/**
 * Registration over HTTP: `flotilla runner register` trades a one-time token for the
 * runner's identity and, when the NATS server runs with per-runner credentials, a user JWT
 * for the nkey the runner made (its seed never leaves the runner's machine).
 */
import { z } from "zod";
import { NAMESPACE_PATTERN } from "./names.ts";

export const REGISTER_PATH = "/api/v1/runners/register";

export const RegisterRequest = z.object({
  token: z.string().min(1),
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "letters, digits, '.', '-' and '_' only (at most 100)"),
  /** Every label, the automatic ones included, normalised. */
  labels: z.array(z.string().min(1)).max(64),
  /** Labels a job must ask for before this runner takes it; each is one of `labels`. */
  exclusiveLabels: z.array(z.string().min(1)).max(64).default([]),
  /** Must be the token's namespace when given. */
  namespace: z.string().regex(NAMESPACE_PATTERN).optional(),
  version: z.string().default(""),
  /** The runner's NATS user nkey (public part). */
  publicKey: z.string().regex(/^U[A-Z2-7]{55}$/, "is not a NATS user public key"),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const RegisterResponse = z.object({
  runner: z.object({
    id: z.string().uuid(),
    name: z.string(),
    namespace: z.string(),
    labels: z.array(z.string()),
    exclusiveLabels: z.array(z.string()).default([]),
  }),
  nats: z.object({
    url: z.string(),
    prefix: z.string(),
    /** The user JWT; absent when the NATS server runs without per-runner credentials. */
    jwt: z.string().optional(),
  }),
});
export type RegisterResponse = z.infer<typeof RegisterResponse>;
