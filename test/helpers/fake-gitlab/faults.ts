/**
 * Injected failures, as a GitLab behind its nginx gives them: `fail(/POST .*\/statuses\//, 429, 1,
 * { retryAfterSeconds: 1 })` answers the next matching request with GitLab's rate-limit answer
 * (`Retry-After`, "Retry later"), a 502 with the HTML page nginx shows when Puma is away, any
 * other status with a `{message}` body. Nothing the failed request asked for happens.
 * Matched against "METHOD /raw/pathname" (no query; `%2F` as sent).
 */
import { message, type Reply } from "./http.ts";
import type { GitLabState } from "./state.ts";

const NGINX_502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`;

export function addFault(
  state: GitLabState,
  pattern: RegExp,
  status: number,
  times: number,
  options: { retryAfterSeconds?: number } = {},
): void {
  state.faults.push({ pattern, status, left: times, retryAfterSeconds: options.retryAfterSeconds });
}

/** The reply for an injected fault matching this request, if one is due (and uses it up). */
export function takeFault(state: GitLabState, method: string, rawPathname: string): Reply | undefined {
  const line = `${method} ${rawPathname}`;
  const fault = state.faults.find((f) => f.left > 0 && f.pattern.test(line));
  if (!fault) return undefined;
  fault.left--;
  if (fault.status === 502) {
    return { status: 502, raw: Buffer.from(NGINX_502), headers: { "content-type": "text/html" } };
  }
  if (fault.status === 429) {
    const headers: Record<string, string> = { "content-type": "text/plain" };
    if (fault.retryAfterSeconds !== undefined) {
      headers["retry-after"] = String(fault.retryAfterSeconds);
      headers["ratelimit-reset"] = String(Math.floor(Date.now() / 1000) + fault.retryAfterSeconds);
    }
    return { status: 429, raw: Buffer.from("Retry later\n"), headers };
  }
  return message(fault.status, `${fault.status} Injected failure`);
}
