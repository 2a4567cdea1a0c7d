/**
 * `flotilla nats init DIR`: the keys and server configuration for per-runner NATS
 * credentials. Include DIR/nats-server.conf in the nats-server configuration and give the
 * bot FLOTILLA_NATS_AUTH_DIR=DIR (see docs/security.md).
 */
import { resolve } from "node:path";
import { initAuthority, serverConfPath } from "../../bot/fleet/nats-authority.ts";

export async function natsInitCommand(args: string[]): Promise<number> {
  const [sub, dir] = args;
  if (sub !== "init" || !dir) {
    console.error("usage: flotilla nats init DIR");
    return 2;
  }
  const authority = await initAuthority(resolve(dir));
  console.log(`NATS credentials for Flotilla are in ${authority.dir} (keep it private: it holds the signing keys).`);
  console.log(`1. In the nats-server configuration:  include "${serverConfPath(authority.dir)}"   (and enable jetstream)`);
  console.log(`2. For the bot:                       FLOTILLA_NATS_AUTH_DIR=${authority.dir}`);
  console.log("3. Register each runner:              flotilla token create, then flotilla runner register on the runner's machine");
  return 0;
}
