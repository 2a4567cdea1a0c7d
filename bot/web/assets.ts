/**
 * The pages' scripts, `/assets/<name>.js`: a few kilobytes each, read once at start-up (they do
 * not change while the bot runs) and served as they are, no bundler, no framework.
 */
import { readFileSync } from "node:fs";
import type { Handler } from "../http/handler.ts";

const SCRIPTS = new Map(
  ["job-log.js", "run-live.js", "live-table.js"].map((name) => [
    `/assets/${name}`,
    readFileSync(new URL(`./assets/${name}`, import.meta.url)),
  ]),
);

export function assetsHandler(): Handler {
  return (req, res) => {
    const script = req.method === "GET" ? SCRIPTS.get(req.url ?? "") : undefined;
    if (!script) return false;
    res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" }).end(script);
    return true;
  };
}
