/**
 * Who is looking: an operator, or anyone. The web UI has one credential, the operator API's
 * token (FLOTILLA_API_TOKEN), sent as a Basic password (what the browser's own prompt sends)
 * or a Bearer token. `flotilla dev` also counts a request from this machine as the operator's
 * — a browser on localhost, nobody else: the bot listens on every interface, so the peer
 * address decides, and the Host header must name this machine too, so that a page elsewhere
 * whose name resolves to 127.0.0.1 (DNS rebinding) is not taken for it.
 *
 * Operators see every run and may add follows; anyone sees the runs of public repositories.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { bearerMatches } from "../api/auth.ts";
import { page } from "./layout.ts";
import { tokenMatches } from "./pages.ts";

export interface ViewerPolicy {
  /** FLOTILLA_API_TOKEN; without it only `trustLoopback` makes an operator. */
  apiToken?: string;
  /** `flotilla dev`: a request from this machine is the operator's. */
  trustLoopback?: boolean;
}

export function isOperator(req: IncomingMessage, policy: ViewerPolicy): boolean {
  if (policy.apiToken && carriesToken(req, policy.apiToken)) return true;
  return Boolean(policy.trustLoopback) && fromThisMachine(req);
}

/** The API token as a Basic password (any user name) or as a Bearer token. */
function carriesToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (!basic) return bearerMatches(header, token);
  const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
  return decoded.includes(":") && tokenMatches(token, decoded.slice(decoded.indexOf(":") + 1));
}

const LOOPBACK_ADDRESS = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

function fromThisMachine(req: IncomingMessage): boolean {
  return LOOPBACK_ADDRESS.test(req.socket.remoteAddress ?? "") && LOOPBACK_HOST.test(req.headers.host ?? "");
}

/**
 * A form post that a page of another site made the browser send (CSRF) is refused: browsers
 * name where a request comes from — `Sec-Fetch-Site` (every current browser), else `Origin`
 * (`null` under our `Referrer-Policy: no-referrer`, so it proves nothing alone) — and Basic
 * credentials or a loopback address would otherwise let any site the operator visits add
 * follows. A request with neither is not a browser's.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined) return site === "same-origin" || site === "none";
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The answer that makes a browser ask for the token: its own prompt, any user name, the token as password. */
export function askToSignIn(res: ServerResponse): true {
  res
    .writeHead(401, {
      "content-type": "text/html; charset=utf-8",
      "www-authenticate": 'Basic realm="Flotilla", charset="UTF-8"',
    })
    .end(
      page(
        "Sign in",
        "<h1>Sign in</h1><p>Use any user name and the bot's API token (FLOTILLA_API_TOKEN) as the password.</p>",
      ),
    );
  return true;
}

/**
 * The gate of an operator page: undefined to go on, or true once it answered — a 404 when the
 * bot has no way to tell an operator (no FLOTILLA_API_TOKEN, not `flotilla dev`), the sign-in
 * prompt to anyone else.
 */
export function refuseUnlessOperator(
  req: IncomingMessage,
  res: ServerResponse,
  policy: ViewerPolicy,
  what: string,
): true | undefined {
  if (!policy.apiToken && !policy.trustLoopback) {
    res
      .writeHead(404, { "content-type": "text/html; charset=utf-8" })
      .end(page("Not found", `<h1>Not found</h1><p>The ${what} page needs FLOTILLA_API_TOKEN set on the bot.</p>`));
    return true;
  }
  return isOperator(req, policy) ? undefined : askToSignIn(res);
}
