/**
 * Which git failures mean "the server never answered": read from what the real git says to
 * `ls-remote` against a closed port, a host no resolver knows, a missing repository and a
 * server that answers 404 — only the first two may be called unreachable.
 */
import { createServer, type Server } from "node:http";
import { execa } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { unreachableReason } from "../../../runner/actions/unreachable.ts";
import { freePort } from "../../helpers/free-port.ts";

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((_request, response) => response.writeHead(404).end("Not Found"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  port = typeof address === "object" && address ? address.port : 0;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function lsRemote(url: string): Promise<string> {
  const result = await execa("git", ["ls-remote", url], {
    reject: false,
    env: { GIT_TERMINAL_PROMPT: "0" },
  });
  expect(result.exitCode).not.toBe(0);
  return String(result.stderr);
}

it("calls a closed port and an unknown host unreachable, naming them", async () => {
  const closed = await freePort();
  expect(unreachableReason(await lsRemote(`http://127.0.0.1:${closed}/acme/x.git`))).toBe(
    `Failed to connect to 127.0.0.1 port ${closed}`,
  );
  expect(unreachableReason(await lsRemote("https://forge.invalid/acme/x.git"))).toBe(
    "Could not resolve host: forge.invalid",
  );
});

it("does not call a server that answered, or a missing path, unreachable", async () => {
  expect(unreachableReason(await lsRemote(`http://127.0.0.1:${port}/acme/x.git`))).toBeUndefined();
  expect(unreachableReason(await lsRemote("/nonexistent/acme/x.git"))).toBeUndefined();
});
