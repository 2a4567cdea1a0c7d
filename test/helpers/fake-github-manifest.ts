/**
 * GitHub's side of the manifest flow, for first-page tests: the web page that takes a posted
 * manifest (`POST /settings/apps/new`, which on GitHub asks the user to confirm and then sends
 * the browser back to the manifest's `redirect_url` with a one-time `code` and the `state`),
 * and the API call that trades the code for the new app
 * (`POST /api/v3/app-manifests/{code}/conversions`, GHE's path), answered with GitHub's own
 * example from `@octokit/openapi` carrying this test's key and secret. A code works once.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeManifestGitHub {
  /** GitHub's web URL (the bot's `serverUrl`). */
  url: string;
  /** The REST base (the bot's `apiUrl`). */
  apiUrl: string;
  /** Manifests posted to the "new app" page, parsed. */
  manifests: Record<string, unknown>[];
  /** The app the conversion hands out. */
  app: { id: number; pem: string; webhookSecret: string; htmlUrl: string };
  close(): Promise<void>;
}

export async function startFakeManifestGitHub(pem: string): Promise<FakeManifestGitHub> {
  const require = createRequire(import.meta.url);
  const spec = require("@octokit/openapi/generated/api.github.com.json") as {
    components: { examples: Record<string, { value: Record<string, unknown> }> };
  };
  const example = spec.components.examples["integration-from-manifest"]!.value;
  const app = { id: 424242, pem, webhookSecret: randomBytes(20).toString("hex"), htmlUrl: "" };
  const manifests: Record<string, unknown>[] = [];
  const codes = new Set<string>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (req.method === "POST" && url.pathname === "/settings/apps/new") {
        const manifest = JSON.parse(new URLSearchParams(body).get("manifest") ?? "{}") as { redirect_url?: string };
        manifests.push(manifest);
        const code = randomBytes(10).toString("hex");
        codes.add(code);
        const back = new URL(manifest.redirect_url ?? "http://invalid");
        back.searchParams.set("code", code);
        back.searchParams.set("state", url.searchParams.get("state") ?? "");
        res.writeHead(302, { location: back.toString() }).end();
        return;
      }
      const conversion = /^\/api\/v3\/app-manifests\/([^/]+)\/conversions$/.exec(url.pathname);
      if (req.method === "POST" && conversion) {
        if (!codes.delete(conversion[1]!)) {
          res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "Not Found" }));
          return;
        }
        res.writeHead(201, { "content-type": "application/json" }).end(
          JSON.stringify({
            ...example,
            id: app.id,
            pem: app.pem,
            webhook_secret: app.webhookSecret,
            html_url: app.htmlUrl,
          }),
        );
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app.htmlUrl = `${base}/apps/flotilla-test`;
  return {
    url: base,
    apiUrl: `${base}/api/v3`,
    manifests,
    app,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
