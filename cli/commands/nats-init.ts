/**
 * `flotilla nats init DIR`: the keys and server configuration for per-runner NATS
 * credentials. The lines of DIR/nats-server.conf go into the nats-server configuration
 * (nats-server 2.9 resolves `include` relative to the including file and refuses an absolute
 * path, so only a configuration file in DIR can include it), and the bot gets
 * FLOTILLA_NATS_AUTH_DIR=DIR (see docs/security.md).
 */
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import { initAuthority, serverConfPath } from "../../bot/fleet/nats-authority.ts";
import { UsageError } from "../usage-error.ts";

export async function natsInitCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
  const [dir, extra] = positionals;
  if (!dir) throw new UsageError("missing DIR");
  if (extra !== undefined) throw new UsageError(`unexpected argument: ${extra}`);
  const authority = await initAuthority(resolve(dir));
  const conf = serverConfPath(authority.dir);
  console.log(`NATS credentials for Flotilla are in ${authority.dir} (keep it private: it holds the signing keys).`);
  console.log(`1. In the nats-server configuration:  the lines of ${conf}   (and enable jetstream)`);
  console.log(`   or, in a configuration file in ${authority.dir}:  include ${basename(conf)}`);
  console.log("   (nats-server 2.9 resolves an include relative to the including file: an absolute path fails)");
  console.log(`2. For the bot:                       FLOTILLA_NATS_AUTH_DIR=${authority.dir}`);
  console.log(
    "3. Register each runner:              flotilla token create, then flotilla runner register on the runner's machine",
  );
  return 0;
}
