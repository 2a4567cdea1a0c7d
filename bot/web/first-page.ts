/**
 * Flotilla's first page (`/setup`, and `/` until something is set up): the three ways to give
 * it work — register a GitHub App from app.yml, add a GitLab project's webhook, or follow a
 * plain git repository — each saying what it needs and where webhooks must reach.
 */
import { escapeHtml, page } from "./layout.ts";

export interface FirstPageView {
  publicUrl: string;
  github: {
    /** The App ID, when an app is configured. */
    appId?: number;
    /** Set when the form may be shown: GitHub's page for the manifest, the manifest itself. */
    register?: { action: string; manifest: string };
    webhookUrl: string;
    webhookProxyUrl?: string;
  };
  gitlab: { url?: string };
  git: {
    /** Whether this viewer may add follows (else why not). */
    mayFollow: true | string;
    follows: { name: string; url: string; branches: string[] }[];
    /** A path to suggest: this Flotilla's own checkout. */
    hint: string;
    /** What the last form post did. */
    notice?: { ok: boolean; text: string };
    values?: { url?: string; branches?: string; namespace?: string };
  };
}

export function firstPage(view: FirstPageView): string {
  const body = `<h1>Welcome to Flotilla</h1>
<p>CI on your own machines. Give it repositories in any of three ways; each can be added later too. Runs of all of them are listed on <a href="/">the runs page</a>.</p>
${githubSection(view)}
${gitlabSection(view)}
${gitSection(view)}`;
  return page("Set up", body);
}

function githubSection({ github, publicUrl }: FirstPageView): string {
  const reachable = github.webhookProxyUrl
    ? `through the relay <code>${escapeHtml(github.webhookProxyUrl)}</code> (WEBHOOK_PROXY_URL), which Flotilla listens to`
    : /\/\/(localhost|127\.|\[::1\])/.test(publicUrl)
      ? `— but that is this machine, which GitHub cannot reach: set <code>PUBLIC_URL</code> to an address GitHub can reach, or <code>WEBHOOK_PROXY_URL</code> to a relay channel (create one at smee.io) for a laptop, and restart`
      : "";
  const state = github.appId
    ? `<p class="success">A GitHub App is configured (App ID ${github.appId}). Install it on a repository and push a workflow.</p>`
    : github.register
      ? `<form id="register-github-app" method="post" action="${escapeHtml(github.register.action)}">
<input type="hidden" name="manifest" value="${escapeHtml(github.register.manifest)}">
<button type="submit">Register GitHub App</button>
</form>
<p class="meta">GitHub creates the app from <code>app.yml</code> (its events and permissions) and sends you back here; Flotilla writes its credentials to <code>.env</code>. Restart Flotilla, then install the app on your repositories.</p>`
      : `<p>Registering an app needs the operator: <a href="/setup?signin=1">sign in</a> with the API token.</p>`;
  return `<section id="github"><h2>1. GitHub: register a GitHub App</h2>
<p>GitHub will post webhooks to <code>${escapeHtml(github.webhookUrl)}</code> ${reachable}.</p>
${state}
</section>`;
}

function gitlabSection({ gitlab, publicUrl }: FirstPageView): string {
  const state = gitlab.url
    ? `<p class="success">GitLab is configured: <code>${escapeHtml(gitlab.url)}</code>.</p>`
    : `<p>Set these and restart Flotilla:</p>
<table><tr><th>Setting</th><th>What</th></tr>
<tr><td><code>GITLAB_URL</code></td><td><code>https://gitlab.com</code> or your GitLab's address</td></tr>
<tr><td><code>GITLAB_TOKEN</code></td><td>a group, project or bot user's access token, scope <code>api</code>, role Maintainer</td></tr>
<tr><td><code>GITLAB_WEBHOOK_SECRET</code></td><td>a secret token you choose; the webhook sends it</td></tr></table>`;
  return `<section id="gitlab"><h2>2. GitLab: add a project</h2>
${state}
<p>In the project (or group): Settings → Webhooks, URL <code>${escapeHtml(publicUrl)}/gitlab/webhook</code>, the secret token <code>GITLAB_WEBHOOK_SECRET</code>, triggers Push events, Tag push events, Comments and Merge request events. See <code>docs/gitlab.md</code>.</p>
</section>`;
}

function gitSection({ git }: FirstPageView): string {
  const values = git.values ?? {};
  const notice = git.notice
    ? `<p class="${git.notice.ok ? "success" : "failure"}" role="status">${escapeHtml(git.notice.text)}</p>`
    : "";
  const form =
    git.mayFollow === true
      ? `<form id="follow-git" method="post" action="/setup/follow-git">
<p><label>Repository (a path or URL) <input name="url" size="60" required placeholder="${escapeHtml(git.hint)}" value="${escapeHtml(values.url ?? "")}"></label></p>
<p class="meta">For example this Flotilla's own checkout: <code>${escapeHtml(git.hint)}</code>. Local paths, <code>file://</code>, <code>git://</code>, <code>ssh://</code> and <code>https://</code> URLs.</p>
<p><label>Branches <input name="branches" size="30" placeholder="main,release/*" value="${escapeHtml(values.branches ?? "")}"></label> <span class="meta">globs, comma-separated; empty: the default branch</span></p>
<p><label>Namespace <input name="namespace" size="20" placeholder="default" value="${escapeHtml(values.namespace ?? "")}"></label> <span class="meta">whose runners run it; empty: every namespace that follows all repositories</span></p>
<p><button type="submit">Follow</button></p>
</form>`
      : `<p>${escapeHtml(git.mayFollow)}</p>`;
  const follows = git.follows.length
    ? `<h3>Followed</h3><table><tr><th>Name</th><th>URL</th><th>Branches</th></tr>${git.follows
        .map(
          (f) =>
            `<tr><td>${escapeHtml(f.name)}</td><td><code>${escapeHtml(f.url)}</code></td><td>${escapeHtml(f.branches.join(", ") || "default branch")}</td></tr>`,
        )
        .join("")}</table>`
    : "";
  return `<section id="git"><h2>3. Follow a git repository</h2>
<p>Any repository Flotilla can <code>git ls-remote</code>, with no webhook: it is polled (GIT_POLL_SECONDS), and a <code>post-receive</code> hook (<code>flotilla follow-git --print-hook</code>) makes pushes run at once. Results are written back as git notes. This is what <code>flotilla follow-git</code> does; see <code>docs/follow-git.md</code>.</p>
${notice}
${form}
${follows}
</section>`;
}
