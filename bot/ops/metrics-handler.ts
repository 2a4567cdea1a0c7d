/**
 * `GET /metrics`: the registry in Prometheus' text format. Open like `/healthz` — it holds
 * counts and names of namespaces and labelsets, no repository, secret or log — so keep the
 * port off the internet or scrape it through the cluster network (docs/metrics.md).
 */
import type { Registry } from "prom-client";
import type { Handler } from "../http/handler.ts";

export function metricsHandler(registry: Registry): Handler {
  return async (req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") return false;
    const text = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType }).end(text);
    return true;
  };
}
