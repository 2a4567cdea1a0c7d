/**
 * Registering the GitHub App from `app.yml`, GitHub's manifest flow as Probot runs it: the
 * first page posts the manifest to GitHub's "new app" page, GitHub sends the browser back
 * with a one-time code, and the code is traded for the app's id, key and webhook secret
 * (`POST /app-manifests/{code}/conversions`), which are written to `.env` for the next start.
 * https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseEnv } from "dotenv";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** Where GitHub sends the browser back to with the code. */
export const MANIFEST_CALLBACK_PATH = "/setup/github/callback";

export interface ManifestSettings {
  /** The bot's public URL (PUBLIC_URL): the callback, and the webhook unless a relay is set. */
  publicUrl: string;
  /** A relay channel (WEBHOOK_PROXY_URL) GitHub posts webhooks to instead. */
  webhookProxyUrl?: string;
  /** GitHub's web URL (github.com or GHE). */
  serverUrl: string;
  /** Register the app under this organisation (GH_ORG) instead of the user's account. */
  org?: string;
  /** The folder with app.yml (the working directory, as for Probot). */
  dir?: string;
}

/** Where the webhook of a registered app points: the relay, or the bot's own intake. */
export function webhookUrl(settings: Pick<ManifestSettings, "publicUrl" | "webhookProxyUrl">): string {
  return settings.webhookProxyUrl ?? `${settings.publicUrl}/api/github/webhooks`;
}

/** GitHub's page that takes the manifest; `state` comes back with the code. */
export function createAppUrl(settings: ManifestSettings, state: string): string {
  const owner = settings.org ? `/organizations/${encodeURIComponent(settings.org)}` : "";
  return `${settings.serverUrl}${owner}/settings/apps/new?state=${encodeURIComponent(state)}`;
}

/** The manifest JSON: app.yml's name, events and permissions, with this bot's URLs. */
export function appManifest(settings: ManifestSettings): string {
  const file = join(settings.dir ?? process.cwd(), "app.yml");
  const fromFile = existsSync(file) ? ((parseYaml(readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>) : {};
  return JSON.stringify({
    name: "Flotilla",
    url: settings.publicUrl,
    public: false,
    ...fromFile,
    hook_attributes: { url: webhookUrl(settings), active: true },
    redirect_url: `${settings.publicUrl}${MANIFEST_CALLBACK_PATH}`,
  });
}

const Conversion = z.object({
  id: z.number(),
  slug: z.string().optional(),
  html_url: z.string(),
  pem: z.string(),
  webhook_secret: z.string().nullable(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});
export type Conversion = z.infer<typeof Conversion>;

/** The app GitHub made from the manifest, traded for its one-time `code` (no authentication). */
export async function convertManifestCode(apiUrl: string, code: string): Promise<Conversion> {
  const response = await fetch(`${apiUrl}/app-manifests/${encodeURIComponent(code)}/conversions`, {
    method: "POST",
    headers: { accept: "application/vnd.github+json", "user-agent": "flotilla" },
  });
  if (!response.ok) throw new Error(`GitHub refused the code: ${response.status} ${await response.text()}`);
  return Conversion.parse(await response.json());
}

/** The app's credentials into `.env` (kept 0600), beside whatever it held; read at the next start. */
export function saveAppCredentials(app: Conversion, dir = process.cwd()): string {
  const path = join(dir, ".env");
  const env = existsSync(path) ? parseEnv(readFileSync(path, "utf8")) : {};
  Object.assign(env, {
    APP_ID: String(app.id),
    PRIVATE_KEY: app.pem,
    WEBHOOK_SECRET: app.webhook_secret ?? "",
    ...(app.client_id ? { GITHUB_CLIENT_ID: app.client_id } : {}),
    ...(app.client_secret ? { GITHUB_CLIENT_SECRET: app.client_secret } : {}),
  });
  const text = Object.entries(env)
    .map(([key, value]) => `${key}=${/[\s"'#\\]/.test(value) ? JSON.stringify(value) : value}`)
    .join("\n");
  writeFileSync(path, `${text}\n`, { mode: 0o600 });
  return path;
}
