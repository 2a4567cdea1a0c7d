/**
 * Free TCP ports on 127.0.0.1. Suites run in parallel on one machine, so nothing here may
 * assume a fixed port: ask the kernel for one (listen on 0) and hand it over.
 */
import { createServer } from "node:net";

/**
 * A port that was free a moment ago. There is a small window in which another process may
 * take it; callers that spawn a server on it should treat "address in use" as retryable.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}
