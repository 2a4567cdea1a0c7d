/**
 * Two whole Flotillas federated as docs/federation.md sets them up, for the federation suite and
 * its bench part: upstream (operator mode, JetStream domain `up`, a leaf node port, a runner in
 * `default`) publishes `acme/*`; downstream's nats-server starts with the configuration
 * `flotilla federation join` wrote for follower `lab`, its bot joins, and each of `namespaces`
 * (a runner each) follows `acme/widgets`. Everything through the CLI commands a user runs.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { followCommand } from "../../cli/commands/follow.ts";
import { federationInvite, federationJoin, federationPublish } from "../../cli/commands/federation.ts";
import { namespaceCommand } from "../../cli/commands/namespace.ts";
import { freePort } from "./free-port.ts";
import { startFlotilla, type Flotilla } from "./flotilla.ts";

export const FEDERATED_WORKFLOW = `name: ci
on: push
jobs:
  build:
    runs-on: self-hosted
    steps:
      - uses: actions/checkout@v4
      - run: echo "ref=\${{ github.ref }} sha=\${{ github.sha }}" && cat hello.txt
`;

export interface FederatedPair {
  up: Flotilla;
  down: Flotilla;
  widgets: Awaited<ReturnType<Flotilla["repository"]>>;
  /** `HOST/acme/widgets`: what downstream follows. */
  followedName: string;
  /** The credential file's text `invite` wrote. */
  credential: string;
  close(): Promise<void>;
}

export const pairCli = (flotilla: Flotilla) => ({
  FLOTILLA_URL: flotilla.publicUrl,
  FLOTILLA_API_TOKEN: flotilla.apiToken,
});

export async function startFederatedPair(
  root: string,
  options: { namespaces: string[]; branches?: string },
): Promise<FederatedPair> {
  const leafPort = await freePort();
  const leafUrl = `nats-leaf://127.0.0.1:${leafPort}`;
  const up = await startFlotilla({
    natsAuth: true,
    natsConfig: `server_name: up\njetstream { domain: up }\nleafnodes { listen: "127.0.0.1:${leafPort}" }`,
  });
  await up.startRunner({ name: "upstream-runner" });
  const widgets = await up.repository(
    "acme",
    "widgets",
    { ".flotilla/workflows/ci.yml": FEDERATED_WORKFLOW, "hello.txt": "hello widgets\n" },
    { private: false },
  );
  const must = async (what: string, code: Promise<number>) => {
    if ((await code) !== 0) throw new Error(`${what} failed`);
  };
  await must("federation publish", federationPublish(["acme/*"], pairCli(up)));
  const file = join(root, "lab.creds");
  await must("federation invite", federationInvite(["lab", "--output", file], pairCli(up)));
  // The server configuration `join` writes, before downstream's nats-server starts with it.
  const confDir = join(root, "down-nats");
  const join_ = [leafUrl, "--credential", file, "--config-dir", confDir, "--domain", "down"];
  await must("federation join --no-bot", federationJoin([...join_, "--no-bot"]));
  const down = await startFlotilla({
    privateNats: true,
    natsConfig: await readFile(join(confDir, "federation.conf"), "utf8"),
  });
  for (const namespace of options.namespaces) await down.startRunner({ name: `${namespace}-runner`, namespace });
  await must("namespace set", namespaceCommand(["set", "default", "--follows", "nobody/nothing"], pairCli(down)));
  await must("federation join", federationJoin(join_, pairCli(down)));
  const followedName = `${new URL(widgets.repo.clone_url).host}/acme/widgets`;
  const branches = options.branches ? ["--branches", options.branches] : [];
  for (const namespace of options.namespaces) {
    await must("follow", followCommand([followedName, "--namespace", namespace, ...branches], pairCli(down)));
  }
  return {
    up,
    down,
    widgets,
    followedName,
    credential: await readFile(file, "utf8"),
    async close() {
      await Promise.allSettled([down.close()]);
      await Promise.allSettled([up.close()]);
    },
  };
}
