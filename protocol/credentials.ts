/**
 * A `.creds` text (user JWT and nkey seed) as connection options; none for a server in open mode.
 */
import { credsAuthenticator, type ConnectionOptions } from "@nats-io/transport-node";

export function credentialsOption(creds: string | undefined): Pick<ConnectionOptions, "authenticator"> {
  return creds ? { authenticator: credsAuthenticator(new TextEncoder().encode(creds)) } : {};
}
