/**
 * `flotilla nats init DIR` followed as an operator would: run the command, build a nats-server
 * configuration exactly as it says, start the real nats-server (Debian's 2.9) with it, and
 * connect with the bot's credential — and not without one, so the trust really applies.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { execa } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BIN } from "../helpers/flotilla-bin.ts";
import { startNatsServer, type NatsServerOptions } from "../helpers/nats-server.ts";

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "flotilla-nats-init-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/**
 * The server configurations step 1 of the output describes: the lines of a file copied in, and
 * every `include` statement it prints, in the directory it names for the including file (or, if
 * it names none, in a directory of the operator's own, as /etc/nats would be).
 */
async function configurationsFrom(output: string): Promise<{ how: string; server: NatsServerOptions }[]> {
  const step = output.slice(output.indexOf("\n1."), output.indexOf("\n2."));
  const found: { how: string; server: NatsServerOptions }[] = [];
  const copied = /the lines of (\S+)/.exec(step);
  if (copied)
    found.push({ how: `the lines of ${copied[1]} copied in`, server: { config: await readFile(copied[1]!, "utf8") } });
  for (const line of step.split("\n")) {
    const include = /:\s+(include\s+\S+)/.exec(line)?.[1];
    if (!include) continue;
    const dir = /in a configuration file in (\S+):/.exec(line)?.[1] ?? join(scratch, "etc-nats");
    await mkdir(dir, { recursive: true });
    const file = join(dir, "server-under-test.conf");
    await writeFile(file, `${include}\n`);
    found.push({ how: `${include} from ${dir}`, server: { args: ["-c", file] } });
  }
  return found;
}

it("prints a nats-server configuration that nats-server accepts and that trusts the bot's credential", async () => {
  const dir = join(scratch, "nats-auth");
  const init = await execa("node", [BIN, "nats", "init", dir], { reject: false, all: true });
  expect(init.exitCode, init.all).toBe(0);
  expect(init.stdout).toContain(`FLOTILLA_NATS_AUTH_DIR=${dir}`);
  const botCreds = await readFile(join(dir, "bot.creds"), "utf8");

  const configurations = await configurationsFrom(init.stdout);
  expect(configurations.length, init.stdout).toBeGreaterThan(0);
  for (const { how, server } of configurations) {
    // Ready means: up, and JetStream answers the bot's credential (account info).
    const nats = await startNatsServer({ ...server, creds: botCreds }).catch((error: unknown) => {
      throw new Error(`nats-server refused ${how}: ${String(error)}`);
    });
    try {
      await expect(connect({ servers: nats.url, reconnect: false }), how).rejects.toThrow(/authorization/i);
    } finally {
      await nats.stop();
    }
  }
});
