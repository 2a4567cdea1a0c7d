import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assetsHandler } from "../../../bot/web/assets.ts";

const handler = assetsHandler();
const server = createServer(async (req, res) => {
  if (!(await handler(req, res))) res.writeHead(404).end();
});
let base: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the pages' scripts", () => {
  it.each(["job-log.js", "run-live.js", "live-table.js"])(
    "serves %s as JavaScript, under 50 kB gzipped",
    async (name) => {
      const answer = await fetch(`${base}/assets/${name}`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      const script = Buffer.from(await answer.arrayBuffer());
      expect(script.toString("utf8")).toContain("EventSource");
      expect(gzipSync(script).length).toBeLessThan(50 * 1024);
    },
  );

  it("serves nothing else under /assets", async () => {
    expect((await fetch(`${base}/assets/../config.ts`)).status).toBe(404);
    expect((await fetch(`${base}/assets/other.js`)).status).toBe(404);
  });
});
