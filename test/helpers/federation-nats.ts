/**
 * Two real nats-servers joined as federation joins them (docs/federation.md): upstream in
 * operator mode with JetStream domain `up` and a leaf node port; downstream in open mode with
 * domain `down` and one leafnode remote that logs in with a follower's credential.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { initAuthority, serverConfPath, type NatsAuthority } from "../../bot/fleet/nats-authority.ts";
import { freePort } from "./free-port.ts";
import { startNatsServer, type NatsServerHandle } from "./nats-server.ts";

export interface Upstream {
  nats: NatsServerHandle;
  authority: NatsAuthority;
  leafUrl: string;
}

export async function startUpstreamNats(authDir: string, prefix: string): Promise<Upstream> {
  const authority = await initAuthority(authDir, prefix);
  const leafPort = await freePort();
  const trust = await readFile(serverConfPath(authDir), "utf8");
  const nats = await startNatsServer({
    config: `server_name: up\njetstream { domain: up }\nleafnodes { listen: "127.0.0.1:${leafPort}" }\n${trust}`,
    creds: authority.botCreds,
  });
  return { nats, authority, leafUrl: `nats-leaf://127.0.0.1:${leafPort}` };
}

/** Downstream's server; `creds` is the follower credential `flotilla federation invite` printed. */
export async function startDownstreamNats(leafUrl: string, creds: string, dir: string): Promise<NatsServerHandle> {
  const file = join(dir, "follower.creds");
  await writeFile(file, creds, { mode: 0o600 });
  return startNatsServer({
    config: `server_name: down\njetstream { domain: down }\nleafnodes { remotes: [ { url: "${leafUrl}", credentials: "${file}" } ] }\n`,
  });
}
