/**
 * `flotilla runner register`: makes the runner's NATS key pair here (the seed never leaves
 * this machine), trades the one-time token and the public key for the runner's identity and
 * user JWT, and returns what the config file keeps.
 */
import { fmtCreds } from "@nats-io/jwt";
import { createUser } from "@nats-io/nkeys";
import { defaultRunnerLabels, normalizeLabels } from "../protocol/labels.ts";
import { REGISTER_PATH, RegisterResponse, type RegisterRequest } from "../protocol/registration.ts";
import type { RunnerConfigFile } from "./config-file.ts";

export interface RegisterOptions {
  botUrl: string;
  token: string;
  name: string;
  /** Extra labels; `self-hosted`, the OS and the architecture are added. */
  labels: string[];
  /** Labels a job must ask for before this runner takes it; added to `labels`. */
  exclusiveLabels?: string[];
  namespace?: string;
  version: string;
  /** Overrides the NATS URL the bot gives out (e.g. the runner reaches NATS by another name). */
  natsUrl?: string;
}

class RegistrationFailed extends Error {
  override name = "RunnerConfigError";
}

export async function register(options: RegisterOptions): Promise<RunnerConfigFile> {
  const user = createUser();
  const botUrl = options.botUrl.replace(/\/+$/, "");
  const request: RegisterRequest = {
    token: options.token,
    name: options.name,
    labels: normalizeLabels([...defaultRunnerLabels(), ...options.labels, ...(options.exclusiveLabels ?? [])]),
    exclusiveLabels: normalizeLabels(options.exclusiveLabels ?? []),
    ...(options.namespace ? { namespace: options.namespace } : {}),
    version: options.version,
    publicKey: user.getPublicKey(),
  };
  let response: Response;
  try {
    response = await fetch(`${botUrl}${REGISTER_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
  } catch (error) {
    throw new RegistrationFailed(`cannot reach the bot at ${botUrl}: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok)
    throw new RegistrationFailed(`registration refused: ${body.error ?? `the bot answered ${response.status}`}`);
  const parsed = RegisterResponse.safeParse(body);
  if (!parsed.success)
    throw new RegistrationFailed(
      `the bot at ${botUrl} answered something that is not a registration (is it a Flotilla bot of this version?)`,
    );
  const { runner, nats } = parsed.data;
  return {
    version: 1,
    id: runner.id,
    name: runner.name,
    namespace: runner.namespace,
    labels: runner.labels,
    exclusiveLabels: runner.exclusiveLabels,
    natsUrl: options.natsUrl ?? nats.url,
    natsPrefix: nats.prefix,
    ...(nats.jwt ? { natsCreds: new TextDecoder().decode(fmtCreds(nats.jwt, user)) } : {}),
    botUrl,
  };
}
