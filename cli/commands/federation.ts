/**
 * `flotilla federation publish|invite|revoke|accept|join` (docs/federation.md). Upstream's
 * commands ask its bot, which holds the NATS authority; `join` writes downstream's nats-server
 * configuration (a leafnode remote with the credential, a JetStream domain) and tells the
 * downstream bot about the upstream, which then keeps a stream sourcing from it.
 */
import { chmod, copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readInvitation } from "../../protocol/federation.ts";
import { apiFailed, botApi, parseApiArgs } from "../api/bot-api.ts";
import { UsageError } from "../usage-error.ts";

type Run = (args: string[], env?: NodeJS.ProcessEnv) => Promise<number>;

async function call(
  args: string[],
  env: NodeJS.ProcessEnv,
  method: string,
  path: (name: string) => string,
  body?: (name: string) => unknown,
  out?: string,
): Promise<number> {
  const { positionals, values } = parseApiArgs(args, { output: { type: "string" } });
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new UsageError("one NAME (or PATTERN) expected");
  try {
    const { result } = await botApi(values, env, "flotilla federation").call<{ result: unknown }>(
      method,
      path(name),
      body?.(name),
    );
    const text = typeof result === "string" ? result : JSON.stringify(result);
    if (out && values.output) {
      await writeFile(values.output, text, { mode: 0o600 });
      process.stdout.write(`${out} written to ${values.output}\n`);
    } else process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    return 0;
  } catch (error) {
    return apiFailed(error);
  }
}

export const federationPublish: Run = (args, env = process.env) =>
  call(
    args,
    env,
    "POST",
    () => "/api/v1/federation/publications",
    (pattern) => ({ pattern }),
  );

export const federationInvite: Run = (args, env = process.env) =>
  call(
    args,
    env,
    "POST",
    () => "/api/v1/federation/followers",
    (name) => ({ name }),
    "the follower's credential",
  );

export const federationRevoke: Run = (args, env = process.env) =>
  call(args, env, "DELETE", (name) => `/api/v1/federation/followers/${encodeURIComponent(name)}`);

export const federationAccept: Run = (args, env = process.env) =>
  call(args, env, "POST", (name) => `/api/v1/federation/followers/${encodeURIComponent(name)}/accept`);

/** `join URL --credential FILE [--config-dir DIR] [--domain NAME]`: the server configuration, then the bot. */
export const federationJoin: Run = async (args, env = process.env) => {
  const { positionals, values } = parseApiArgs(args, {
    credential: { type: "string" },
    "config-dir": { type: "string" },
    domain: { type: "string" },
    "no-bot": { type: "boolean" },
  });
  const [url, ...extra] = positionals;
  if (!url || extra.length > 0 || !values.credential) throw new UsageError("URL and --credential FILE expected");
  if (!/^(nats-leaf|tls|nats):\/\//.test(url))
    throw new UsageError(`${url} is not a leaf node URL (nats-leaf://HOST:7422)`);
  const credential = await readFile(values.credential, "utf8");
  const invitation = readInvitation(credential);
  if (typeof invitation === "string") throw new UsageError(invitation);
  const dir = resolve(values["config-dir"] ?? "federation");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const credsFile = join(dir, `${invitation.upstream}.creds`);
  await copyFile(values.credential, credsFile);
  await chmod(credsFile, 0o600);
  await writeFile(join(dir, `${invitation.upstream}.url`), `${url}\n`);
  const conf = await serverConfig(dir, values.domain ?? "downstream");
  process.stdout.write(
    [
      `Wrote ${conf}: a leafnode remote to ${url} (as follower ${invitation.follower} of ${invitation.upstream}) and JetStream domain ${values.domain ?? "downstream"}.`,
      `Add \`include ${conf}\` to this side's nats-server configuration (drop its own \`jetstream\` block's domain if any),`,
      "then restart nats-server: leaf remotes and the JetStream domain are read only at start.",
      "",
    ].join("\n"),
  );
  if (values["no-bot"]) return 0;
  try {
    await botApi(values, env, "flotilla federation join").call("POST", "/api/v1/federation/upstreams", { credential });
    process.stdout.write(
      `The bot follows ${invitation.upstream}'s stream; declare repositories with \`flotilla follow HOST/OWNER/REPO\`.\n`,
    );
    return 0;
  } catch (error) {
    return apiFailed(error);
  }
};

/** One configuration for every upstream joined in `dir` (nats-server takes one `leafnodes` block). */
async function serverConfig(dir: string, domain: string): Promise<string> {
  const remotes: string[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".creds")).sort()) {
    const url = (await readFile(join(dir, file.replace(/\.creds$/, ".url")), "utf8").catch(() => "")).trim();
    if (url) remotes.push(`    { url: "${url}", credentials: "${join(dir, file)}" }`);
  }
  const conf = join(dir, "federation.conf");
  await writeFile(
    conf,
    [
      "# Written by `flotilla federation join`: one leafnode remote per upstream followed (docs/federation.md).",
      `jetstream { domain: "${domain}" }`,
      "leafnodes {",
      "  remotes: [",
      ...remotes,
      "  ]",
      "}",
      "",
    ].join("\n"),
  );
  return conf;
}
