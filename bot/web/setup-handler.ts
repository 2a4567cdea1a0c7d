/**
 * The first page's routes: `GET /setup` (the page), `POST /setup/follow-git` (its follow
 * form, what `flotilla follow-git` does) and GitHub's manifest callback, which saves the new
 * app's credentials. Who may do what (docs/architecture.md#the-web-ui-and-who-sees-what):
 * following a repository makes its workflows run on your runners, so only the operator may —
 * the API token, or a browser on this machine under `flotilla dev`; registering a GitHub App
 * likewise, except on a bot with no API token at all, which keeps Probot's open setup page.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { addGitFollow, NewFollow } from "../api/add-git-follow.ts";
import {
  appManifest,
  convertManifestCode,
  createAppUrl,
  MANIFEST_CALLBACK_PATH,
  saveAppCredentials,
  webhookUrl,
} from "../forges/github/app-manifest.ts";
import { listFollows } from "../forges/git/follows-store.ts";
import { BodyTooLarge, mediaType, pathOf, readBody, refuseUpload, type Handler } from "../http/handler.ts";
import { firstPage, type FirstPageView } from "./first-page.ts";
import { escapeHtml, page, sendHtml as html } from "./layout.ts";
import { askToSignIn as signIn, isOperator, sameOrigin, type ViewerPolicy } from "./viewer.ts";

export interface SetupOptions {
  db: Db;
  policy: ViewerPolicy;
  publicUrl: string;
  github: {
    appId?: number;
    configured: boolean;
    serverUrl: string;
    apiUrl: string;
    org?: string;
    webhookProxyUrl?: string;
  };
  gitlab: { url?: string; configured: boolean };
  pollNow?: (name: string) => Promise<unknown>;
  /** Where app.yml is and `.env` goes, and the path the follow form suggests (the working directory). */
  dir?: string;
  log: Logger;
}

export interface SetupPages {
  handler: Handler;
  /** The first page as this request's viewer may see it. */
  render(req: IncomingMessage, extra?: Pick<FirstPageView["git"], "notice" | "values">): Promise<string>;
}

export function setupPages(options: SetupOptions): SetupPages {
  const dir = options.dir ?? process.cwd();
  // GitHub hands it back with the code: the callback answers only the form this process showed.
  const state = randomBytes(16).toString("hex");
  const manifestSettings = { ...options.github, publicUrl: options.publicUrl, dir };
  const mayRegister = (req: IncomingMessage) => !options.policy.apiToken || isOperator(req, options.policy);

  const render: SetupPages["render"] = async (req, extra = {}) => {
    const operator = isOperator(req, options.policy);
    const follows = operator ? await listFollows(options.db) : [];
    return firstPage({
      publicUrl: options.publicUrl,
      github: {
        appId: options.github.configured ? options.github.appId : undefined,
        register:
          !options.github.configured && mayRegister(req)
            ? { action: createAppUrl(manifestSettings, state), manifest: appManifest(manifestSettings) }
            : undefined,
        webhookUrl: webhookUrl(manifestSettings),
        webhookProxyUrl: options.github.webhookProxyUrl,
      },
      gitlab: { url: options.gitlab.configured ? options.gitlab.url : undefined },
      git: {
        mayFollow: operator
          ? true
          : options.policy.apiToken
            ? "Following a repository runs its workflows on your runners: sign in with the API token (FLOTILLA_API_TOKEN) to add one, or use flotilla follow-git."
            : "Following a repository runs its workflows on your runners, so this form is for the operator: set FLOTILLA_API_TOKEN on the bot and sign in, or use flotilla follow-git.",
        follows,
        hint: dir,
        ...extra,
      },
    });
  };

  const handler: Handler = async (req, res) => {
    const { path, query } = pathOf(req);
    if (path === "/setup" && req.method === "GET") {
      if (query.get("signin") && options.policy.apiToken && !isOperator(req, options.policy)) return signIn(res);
      const followed = query.get("followed");
      return html(
        res,
        200,
        await render(req, followed ? { notice: { ok: true, text: `Following ${followed}.` } } : {}),
      );
    }
    if (path === "/setup/follow-git" && req.method === "POST") return followForm(req, res);
    if (path === MANIFEST_CALLBACK_PATH && req.method === "GET") return callback(req, res, query);
    return false;
  };

  async function followForm(req: IncomingMessage, res: ServerResponse): Promise<true> {
    if (!sameOrigin(req))
      return html(res, 403, page("Refused", "<h1>Refused</h1><p>That form was sent from another site.</p>"));
    if (!isOperator(req, options.policy)) return signIn(res);
    if (mediaType(req) !== "application/x-www-form-urlencoded")
      return html(res, 415, page("Refused", "<h1>Refused</h1><p>Send the form as a browser does.</p>"));
    let form: URLSearchParams;
    try {
      form = new URLSearchParams(await readBody(req, 64 * 1024));
    } catch (error) {
      if (error instanceof BodyTooLarge) return refuseUpload(req, res, 413, { error: error.message });
      throw error;
    }
    const values = {
      url: form.get("url") ?? "",
      branches: form.get("branches") ?? "",
      namespace: form.get("namespace") ?? "",
    };
    const parsed = NewFollow.safeParse({
      url: values.url,
      branches: values.branches
        .split(",")
        .map((b) => b.trim())
        .filter(Boolean),
      ...(values.namespace.trim() ? { namespace: values.namespace.trim() } : {}),
    });
    const refuse = async (text: string) => html(res, 400, await render(req, { values, notice: { ok: false, text } }));
    if (!parsed.success) return refuse(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    const added = await addGitFollow(options, parsed.data);
    if (!added.ok) return refuse(added.reason);
    options.log.info(
      { repository: added.value.follow.name, created: added.value.created },
      "git follow added from the web",
    );
    // Post, then redirect: a reload does not send the form again.
    res.writeHead(303, { location: `/setup?followed=${encodeURIComponent(added.value.follow.name)}` }).end();
    return true;
  }

  async function callback(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<true> {
    if (options.github.configured)
      return html(res, 409, page("Already set up", "<h1>A GitHub App is configured already</h1>"));
    if (!mayRegister(req)) return signIn(res);
    const code = query.get("code") ?? "";
    if (!code || query.get("state") !== state)
      return html(
        res,
        400,
        page(
          "Start again",
          `<h1>Start again</h1><p>This link is not from this Flotilla's <a href="/setup">first page</a> (or Flotilla restarted since): register from there.</p>`,
        ),
      );
    const app = await convertManifestCode(options.github.apiUrl, code).catch((error: Error) => error);
    if (app instanceof Error) {
      options.log.warn({ err: app }, "GitHub App manifest code not converted");
      return html(
        res,
        502,
        page(
          "Not registered",
          `<h1>Not registered</h1><p>${escapeHtml(app.message)}</p><p><a href="/setup">Try again</a>.</p>`,
        ),
      );
    }
    const saved = saveAppCredentials(app, dir);
    options.log.info({ appId: app.id, path: saved }, "GitHub App registered; restart to use it");
    return html(
      res,
      200,
      page(
        "GitHub App registered",
        `<h1>GitHub App registered</h1>
<p>App ID ${app.id}: its ID, private key and webhook secret are saved in <code>${escapeHtml(saved)}</code>.</p>
<ol><li><strong>Restart Flotilla</strong> (stop it, then <code>npm start</code> again) so that it uses the app.</li>
<li><a id="install-app" href="${escapeHtml(app.html_url)}/installations/new">Install the app</a> on the repositories it should run.</li>
<li>Add a workflow in <code>.flotilla/workflows/</code> and push.</li></ol>`,
      ),
    );
  }

  return { handler, render };
}
