/**
 * An unregistered runner on open NATS (`flotilla runner start --namespace lab-x`, no token)
 * brings its namespace with it: its first heartbeat makes the namespace, following every
 * repository as a token's new namespace does, and the next push runs there too.
 */
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { namespaces, runners } from "../../db/schema.ts";
import { until } from "../helpers/until.ts";

const f = flotillaSuite();

it("runs a pushed workflow on a runner of a namespace only its heartbeats announced", async () => {
  await f.startRunner({ name: "lab-x-1", namespace: "lab-x", config: { heartbeatMs: 500 } });
  // What `flotilla runners` shows: the runner is known from its first heartbeat.
  await until(
    async () => (await f.bot.db.db.select().from(runners).where(eq(runners.namespace, "lab-x"))).length === 1,
    15_000,
    "the runner's first heartbeat",
  );
  expect(
    await f.bot.db.db.select({ follows: namespaces.follows }).from(namespaces).where(eq(namespaces.name, "lab-x")),
  ).toEqual([{ follows: [] }]);

  const { sha } = await f.pushRepository("open", "lab", {
    ".flotilla/workflows/ci.yml": [
      "on: push",
      "jobs:",
      "  build:",
      "    runs-on: self-hosted",
      "    steps: [{ run: echo built }]",
      "",
    ].join("\n"),
  });
  const [build] = await f.finished(sha, ["build [lab-x]"], 30_000);
  expect(build.run.conclusion).toBe("success");
  // The default namespace runs it too (its own check run), but has no runner here: still queued.
  expect(f.fake.checkRuns.find((r) => r.run.head_sha === sha && r.run.name === "build")?.run.status).toBe("queued");

  // Heartbeats only make a missing namespace: what an operator sets afterwards stays.
  const set = await fetch(`${f.publicUrl}/api/v1/namespaces/lab-x`, {
    method: "PUT",
    headers: { authorization: `Bearer ${f.apiToken}`, "content-type": "application/json" },
    body: JSON.stringify({ follows: ["acme/*"] }),
  });
  expect(set.status).toBe(200);
  const lastSeen = async () =>
    (
      await f.bot.db.db.select({ at: runners.lastSeenAt }).from(runners).where(eq(runners.namespace, "lab-x"))
    )[0]?.at?.getTime() ?? 0;
  const before = await lastSeen();
  await until(async () => (await lastSeen()) > before, 10_000, "another heartbeat");
  expect(
    await f.bot.db.db.select({ follows: namespaces.follows }).from(namespaces).where(eq(namespaces.name, "lab-x")),
  ).toEqual([{ follows: ["acme/*"] }]);
});
