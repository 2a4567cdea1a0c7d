/**
 * The shell every page shares: plain and readable as served. Pages that update live add one
 * small script of their own (bot/web/assets/); nothing else runs in the browser.
 */
import type { ServerResponse } from "node:http";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export interface PageOptions {
  /** Reload every so often: a page that is not live otherwise. */
  refreshSeconds?: number;
  /** …only where scripts do not run (the page's script keeps it live). */
  refreshWithoutScript?: boolean;
}

export function page(title: string, body: string, options: PageOptions = {}): string {
  return `${pageHead(title, options)}${body}${PAGE_FOOT}`;
}

/** The end of every page, for a page streamed in parts. */
export const PAGE_FOOT = "</main></body></html>";

/** Everything up to the page's own content, for a page streamed in parts. */
export function pageHead(title: string, options: PageOptions = {}): string {
  const refresh = options.refreshSeconds ? `<meta http-equiv="refresh" content="${options.refreshSeconds}">` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshWithoutScript && refresh ? `<noscript>${refresh}</noscript>` : refresh}
<title>${escapeHtml(title)} · Flotilla</title>
<style>
body{font:14px/1.5 system-ui,sans-serif;margin:0;color:#1f2328;background:#fff}
header{padding:12px 24px;border-bottom:1px solid #d0d7de;background:#f6f8fa}
header a{color:inherit}
section{margin:0 0 24px}
h2{font-size:16px;margin:20px 0 6px}
form.filter label{margin-right:12px}
main{padding:16px 24px}
h1{font-size:20px;margin:0 0 4px}
.meta{color:#59636e}
table{border-collapse:collapse;margin:12px 0}
td,th{border:1px solid #d0d7de;padding:4px 10px;text-align:left}
pre.log{background:#0d1117;color:#e6edf3;padding:12px;overflow-x:auto;font:12px/1.45 ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}
.step{color:#79c0ff;font-weight:bold}
div.log{background:#0d1117;color:#e6edf3;padding:12px 0;font:12px/1.45 ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}
div.log .l{display:inline-block;width:100%;box-sizing:border-box;padding:0 12px 0 64px;text-indent:-52px}
div.log .n{display:inline-block;width:44px;margin-right:8px;text-align:right;text-indent:0;color:#6e7681;text-decoration:none;user-select:none}
div.log .n::before{content:attr(data-n)}
div.log .l:target,div.log .l.hl{background:#3b2e00}
div.log .l.found{background:#1b3350}
div.log .l.current{background:#5a3e00;outline:1px solid #d29922}
div.log details>summary{list-style:none;cursor:pointer}
div.log details>summary::-webkit-details-marker{display:none}
div.log details>summary .l::after{content:" ▸";color:#6e7681}
div.log details[open]>summary .l::after{content:" ▾"}
.tools{margin:8px 0}
.graph{position:relative;display:flex;align-items:flex-start;gap:48px;margin:12px 0;overflow-x:auto}
.graph svg.edges{position:absolute;left:0;top:0;pointer-events:none;overflow:visible}
.graph svg .edge{fill:none;stroke:#8c959f;stroke-width:1.5}
.graph svg marker path{fill:#8c959f}
.column{position:relative;display:flex;flex-direction:column;gap:8px;width:220px;flex:none}
.node{box-sizing:border-box;width:220px;border:1px solid #d0d7de;border-radius:6px;padding:6px 10px;background:#f6f8fa;line-height:20px;overflow:hidden}
.node>div,.node li{height:20px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.node-title{font-weight:600}
.node ul{list-style:none;margin:4px 0 0;padding:0}
.tools button{font:inherit}
#annotations ul{list-style:none;margin:0;padding:0}
#annotations li{margin:2px 0}
#annotations a{color:inherit;text-decoration:none}
#annotations a:hover .message{text-decoration:underline}
#annotations .level{display:inline-block;min-width:64px;font-weight:600}
#annotations .error .level{color:#d1242f}#annotations .warning .level{color:#9a6700}#annotations .notice .level{color:#0969da}
.success{color:#1a7f37}.failure,.timed_out{color:#d1242f}.cancelled,.skipped{color:#59636e}.in_progress,.queued{color:#9a6700}
</style></head>
<body><header><nav><a href="/"><strong>Flotilla</strong></a> · <a href="/">Runs</a> · <a href="/queue">Queue</a> · <a href="/runners">Runners</a> · <a href="/setup">Set up</a></nav></header><main>`;
}

export function statusBadge(status: string, conclusion: string | null): string {
  const label = status === "completed" ? (conclusion ?? "completed") : status.replace("_", " ");
  return `<span class="${escapeHtml(conclusion ?? status)}">${escapeHtml(label)}</span>`;
}

/** A page as the answer, never cached (pages carry run tokens and change as runs do). */
export function sendHtml(res: ServerResponse, status: number, html: string): true {
  res
    .writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    })
    .end(html);
  return true;
}
