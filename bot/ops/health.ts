/**
 * The probes an orchestrator asks: `/healthz` says the process is alive and serving (a
 * liveness probe: restart it when this fails), `/readyz` that it can do its work — NATS and
 * Postgres answer and the database has every migration this code expects (a readiness probe:
 * send it no webhooks until then). A 503 names every check that is not ready, and why.
 */
import { sendJson, type Handler } from "../http/handler.ts";

/** One readiness check: resolves when ready, rejects with the reason otherwise. */
export type ReadinessCheck = () => Promise<void>;

/** A check that has not answered in this long counts as not ready. */
const CHECK_TIMEOUT_MS = 3_000;

export function healthHandler(checks: Record<string, ReadinessCheck>): Handler {
  return async (req, res) => {
    if (req.method !== "GET") return false;
    const path = (req.url ?? "").split("?")[0];
    if (path === "/healthz") return sendJson(res, 200, { ok: true });
    if (path !== "/readyz") return false;
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await outcome(check)] as const),
    );
    const notReady = results.filter(([, result]) => result !== "ok").map(([name, result]) => `${name}: ${result}`);
    return sendJson(res, notReady.length === 0 ? 200 : 503, {
      ready: notReady.length === 0,
      checks: Object.fromEntries(results),
      ...(notReady.length > 0 ? { notReady } : {}),
    });
  };
}

async function outcome(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}
