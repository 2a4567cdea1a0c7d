/**
 * Per-runner NATS credentials in NATS's decentralised (JWT) mode. An operator key signs one
 * account for Flotilla and the system account; the account key signs a user JWT for each
 * runner, limited to `runnerPermissions`. Removing a runner adds its public key to the
 * account's revocations and pushes the account JWT to the server, which disconnects it at
 * once and refuses it from then on.
 *
 * Everything lives in one directory (`FLOTILLA_NATS_AUTH_DIR`; `flotilla nats init` makes it,
 * `npm start` makes one under the data directory): the seeds, the bot's and the system user's
 * credentials, and `nats-server.conf`, the part of the server configuration that trusts them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeAccount, encodeOperator, encodeUser, fmtCreds, type Account } from "@nats-io/jwt";
import { createAccount, createOperator, createUser, fromSeed, type KeyPair } from "@nats-io/nkeys";
import type { NatsConnection } from "@nats-io/transport-node";
import { flotillaAccountExports } from "../../protocol/federation.ts";
import { natsNames, type NatsNames } from "../../protocol/names.ts";
import { runnerPermissions } from "../../protocol/permissions.ts";

const UNLIMITED = { subs: -1, data: -1, payload: -1 };
const ACCOUNT_LIMITS = { ...UNLIMITED, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
const JETSTREAM_LIMITS = { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };

const FILES = {
  operator: "operator.seed",
  system: "system-account.seed",
  account: "account.seed",
  botCreds: "bot.creds",
  systemCreds: "system.creds",
  serverConf: "nats-server.conf",
} as const;

export interface NatsAuthority {
  dir: string;
  /** The bot's own credential: everything in Flotilla's account. */
  botCreds: string;
  /** The system account's user: pushes account updates (revocations) to the server. */
  systemCreds: string;
  /** A runner's user JWT for `publicKey`, allowed only what the runner needs. */
  runnerJwt(publicKey: string, runnerId: string, namespace: string, names: NatsNames): Promise<string>;
  /** Flotilla's account JWT revoking every key in `revoked` (key → unix seconds of removal). */
  accountJwt(revoked: Record<string, number>): Promise<string>;
  /** Flotilla's account public key: what a follower's account imports from. */
  accountKey: string;
  /** Signs another account (federation's, a follower's) with the operator key; `jetstream` gives it storage. */
  signAccount(name: string, account: KeyPair, claims: Partial<Account>, jetstream?: boolean): Promise<string>;
}

class NatsAuthorityError extends Error {
  override name = "NatsAuthorityError";
}

/**
 * Creates the authority directory unless it exists; returns it either way. `prefix` is the
 * installation's `NATS_PREFIX`: the federation subjects Flotilla's account exports carry it.
 */
export async function initAuthority(dir: string, prefix = "flotilla"): Promise<NatsAuthority> {
  const names = natsNames(prefix);
  if (!existsSync(join(dir, FILES.account))) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const operator = createOperator();
    const system = createAccount();
    const account = createAccount();
    const write = (file: string, text: string | Uint8Array) => writeFileSync(join(dir, file), text, { mode: 0o600 });
    write(FILES.operator, operator.getSeed());
    write(FILES.system, system.getSeed());
    write(FILES.account, account.getSeed());
    write(FILES.botCreds, await userCreds("flotilla-bot", account));
    write(FILES.systemCreds, await userCreds("flotilla-system", system));
    const operatorJwt = await encodeOperator("flotilla", operator, { system_account: system.getPublicKey() });
    const systemJwt = await encodeAccount("SYS", system, { limits: ACCOUNT_LIMITS } as never, { signer: operator });
    const accountJwt = await signFlotilla(operator, account, {}, names);
    write(
      FILES.serverConf,
      [
        "# Flotilla's NATS trust (made by `flotilla nats init`): copy these lines into your nats-server",
        "# configuration, or `include nats-server.conf` from a configuration file in this directory",
        "# (nats-server 2.9 resolves an include relative to the including file, never an absolute path).",
        `operator: ${operatorJwt}`,
        `system_account: ${system.getPublicKey()}`,
        `resolver: { type: full, dir: "${join(dir, "jwt").replace(/"/g, '\\"')}", allow_delete: false }`,
        `resolver_preload: {`,
        `  ${system.getPublicKey()}: ${systemJwt}`,
        `  ${account.getPublicKey()}: ${accountJwt}`,
        `}`,
        "",
      ].join("\n"),
    );
  }
  return loadAuthority(dir, prefix);
}

export function loadAuthority(dir: string, prefix = "flotilla"): NatsAuthority {
  const names = natsNames(prefix);
  const read = (file: string): string => {
    try {
      // Not trimmed: the `.creds` parser wants the text as it was written.
      return readFileSync(join(dir, file), "utf8");
    } catch (error) {
      throw new NatsAuthorityError(
        `FLOTILLA_NATS_AUTH_DIR: cannot read ${join(dir, file)} (${(error as Error).message}); make the directory with \`flotilla nats init ${dir}\``,
      );
    }
  };
  const operator = fromSeed(new TextEncoder().encode(read(FILES.operator).trim()));
  const account = fromSeed(new TextEncoder().encode(read(FILES.account).trim()));
  return {
    dir,
    botCreds: read(FILES.botCreds),
    systemCreds: read(FILES.systemCreds),
    runnerJwt: (publicKey, runnerId, namespace, names) => {
      const permissions = runnerPermissions(names, runnerId, namespace);
      return encodeUser(`runner ${runnerId}`, publicKey as never, account, {
        ...UNLIMITED,
        pub: { allow: permissions.publish },
        sub: { allow: permissions.subscribe },
      } as never);
    },
    accountJwt: (revoked) => signFlotilla(operator, account, revoked, names),
    accountKey: account.getPublicKey(),
    signAccount: (name, other, claims, jetstream = false) =>
      encodeAccount(
        name,
        other,
        { limits: jetstream ? { ...ACCOUNT_LIMITS, ...JETSTREAM_LIMITS } : ACCOUNT_LIMITS, ...claims } as never,
        { signer: operator },
      ),
  };
}

/** The path of the server configuration part that trusts the authority in `dir`. */
export function serverConfPath(dir: string): string {
  return join(dir, FILES.serverConf);
}

/** Pushes Flotilla's account JWT to the server (through the system account), e.g. after a revocation. */
export async function pushAccount(system: NatsConnection, accountJwt: string): Promise<void> {
  const reply = await system.request("$SYS.REQ.CLAIMS.UPDATE", new TextEncoder().encode(accountJwt), {
    timeout: 5_000,
  });
  const answer = JSON.parse(reply.string()) as {
    data?: { code?: number; message?: string };
    error?: { code?: number; description?: string };
  };
  if (answer.error || (answer.data?.code !== undefined && answer.data.code >= 300)) {
    throw new NatsAuthorityError(
      `the NATS server refused the account update: ${answer.error?.description ?? answer.data?.message ?? reply.string()}`,
    );
  }
}

function signFlotilla(
  operator: KeyPair,
  account: KeyPair,
  revoked: Record<string, number>,
  names: NatsNames,
): Promise<string> {
  return encodeAccount(
    "flotilla",
    account,
    {
      limits: { ...ACCOUNT_LIMITS, ...JETSTREAM_LIMITS },
      revocations: revoked,
      exports: flotillaAccountExports(names),
    } as never,
    { signer: operator },
  );
}

async function userCreds(name: string, issuer: KeyPair): Promise<string> {
  const user = createUser();
  const jwt = await encodeUser(name, user, issuer, UNLIMITED as never);
  return new TextDecoder().decode(fmtCreds(jwt, user));
}
