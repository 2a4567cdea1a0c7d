/**
 * What crosses between an upstream Flotilla and a follower, drawn as NATS account claims.
 *
 * A follower is an account of its own, signed by upstream's operator (nats-server 2.9 does not
 * check publishes arriving over a leaf connection against the leaf user's permissions, so a
 * user inside Flotilla's account could publish anything there). It imports only its part of:
 *
 * - the federation account's stream sourcing subjects (creating a consumer on the federation
 *   stream, the deliveries, flow control). The federation stream lives in an account of its own
 *   because a follower chooses its consumer's deliver subject: measured on 2.9.10, a consumer
 *   created through an imported `CONSUMER.CREATE` delivers to any subject of the exporting
 *   account, so in Flotilla's account it could write into the events stream. In the federation
 *   account there is nothing else to reach.
 * - Flotilla's account's results subject, with the follower's own name in it.
 *
 * Denied by omission: the events, jobs and runner streams, every KV bucket and object store,
 * the JetStream API beyond creating a consumer on the federation stream, and every core subject.
 */
import { z } from "zod";
import type { NatsNames } from "./names.ts";

export interface AccountExport {
  name: string;
  subject: string;
  type: "stream" | "service";
  response_type?: "Singleton" | "Stream";
}

export interface AccountImport {
  name: string;
  account: string;
  subject: string;
  type: "stream" | "service";
}

/** The JetStream API prefix a follower's leaf connection uses for upstream's domain. */
export function federationApiPrefix(domain: string): string {
  return `$JS.${domain}.API`;
}

/** What the federation account offers any follower account the operator signs (each imports its own part). */
export function federationAccountExports(names: NatsNames): AccountExport[] {
  const create = `$JS.API.CONSUMER.CREATE.${names.federationStream}`;
  return [
    { name: "consumer create", subject: create, type: "service", response_type: "Singleton" },
    { name: "consumer create (filtered)", subject: `${create}.>`, type: "service", response_type: "Singleton" },
    { name: "deliveries", subject: `${names.prefix}.federation.deliver.>`, type: "stream" },
    { name: "flow control", subject: `$JS.FC.${names.federationStream}.>`, type: "service" },
  ];
}

/** What Flotilla's own account offers followers: a results subject each. */
export function flotillaAccountExports(names: NatsNames): AccountExport[] {
  return [{ name: "federation results", subject: `${names.prefix}.federation.results.*`, type: "service" }];
}

/** Everything one follower's account may reach upstream (the two accounts by public key). */
export function followerImports(
  names: NatsNames,
  follower: string,
  accounts: { federation: string; flotilla: string },
): AccountImport[] {
  // No remapping: upstream's server maps `$JS.<domain>.API.>` arriving on the leaf connection
  // to `$JS.API.>` in the follower's account, where these imports take it.
  const create = `$JS.API.CONSUMER.CREATE.${names.federationStream}`;
  const from = accounts.federation;
  return [
    { name: "consumer create", account: from, subject: create, type: "service" },
    { name: "consumer create (filtered)", account: from, subject: `${create}.>`, type: "service" },
    { name: "deliveries", account: from, subject: `${names.federationDeliver(follower)}.>`, type: "stream" },
    { name: "flow control", account: from, subject: `$JS.FC.${names.federationStream}.>`, type: "service" },
    {
      name: "results",
      account: accounts.flotilla,
      subject: names.federationResultsSubject(follower),
      type: "service",
    },
  ];
}

/**
 * One event as upstream publishes it to followers: what a follower may see of a push or pull
 * request of a public repository, nothing more (no installation, sender, token or private field).
 */
export const FederatedEvent = z.object({
  v: z.literal(1),
  /** Upstream's delivery id: the same event published twice is one event. */
  id: z.string().min(1),
  kind: z.enum(["push", "pull_request"]),
  /** The forge's host (`github.com`) and the repository there (`acme/widgets`). */
  host: z.string().min(1),
  repository: z.string().min(1),
  /** Where a follower fetches the code: the repository's public clone URL. */
  cloneUrl: z.string().min(1),
  ref: z.string(),
  before: z.string().optional(),
  after: z.string().optional(),
  pullRequest: z
    .object({
      number: z.number(),
      action: z.string(),
      head: z.object({ ref: z.string(), sha: z.string() }),
      base: z.object({ ref: z.string(), sha: z.string() }),
    })
    .optional(),
});
export type FederatedEvent = z.infer<typeof FederatedEvent>;

/** The lines `flotilla federation invite` writes above the credential, which `join` reads back. */
export const Invitation = z.object({
  upstream: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  domain: z.string().min(1),
  stream: z.string().min(1),
  follower: z.string().min(1),
  deliver: z.string().min(1),
  results: z.string().min(1),
});
export type Invitation = z.infer<typeof Invitation>;

const INVITATION_LINE = "# flotilla-federation: ";

export function invitationText(invitation: Invitation, creds: string): string {
  return `${INVITATION_LINE}${JSON.stringify(invitation)}\n${creds}`;
}

/** The invitation a credential file carries, or why it carries none. */
export function readInvitation(text: string): Invitation | string {
  const line = text.split("\n").find((l) => l.startsWith(INVITATION_LINE));
  if (!line) return "the credential has no `# flotilla-federation:` line: make it with `flotilla federation invite`";
  try {
    const parsed = Invitation.safeParse(JSON.parse(line.slice(INVITATION_LINE.length)));
    return parsed.success ? parsed.data : `the credential's invitation lacks ${parsed.error.issues[0]?.path.join(".")}`;
  } catch {
    return "the credential's `# flotilla-federation:` line is not JSON";
  }
}

/** A finished run's summary as downstream sends it back on its results subject. */
export const FederatedResult = z.object({
  v: z.literal(1),
  /** Upstream's names, from the event it ran: the forge's host and `owner/name`. */
  host: z.string().min(1),
  repository: z.string().min(1),
  sha: z.string().regex(/^[0-9a-f]{40,64}$/),
  /** The run's name downstream (its workflow), and the namespace it ran in. */
  workflow: z.string().min(1).max(200),
  namespace: z.string().min(1).max(64),
  state: z.enum(["success", "failure", "error"]),
  /** Downstream's page of the run. */
  url: z.string().url().max(2000),
});
export type FederatedResult = z.infer<typeof FederatedResult>;
