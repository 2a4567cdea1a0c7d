/**
 * Runs a service (`flotilla dev`, `flotilla bot`) until SIGINT/SIGTERM, then stops it cleanly;
 * a second signal stops at once. A signal that comes while the service is still starting stops
 * it as soon as it is up (rather than killing the process with its nats-server child left behind).
 */
import type { Logger } from "pino";
import type { Stoppable } from "./commands/bot.ts";

export function untilSignal(starting: Promise<Stoppable>, log: Logger): Promise<number> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) process.exit(130);
      stopping = true;
      log.info({ signal }, "stopping");
      starting
        .then((service) => service.close())
        .then(
          () => resolve(0),
          (err) => {
            log.error({ err }, "stop failed");
            resolve(1);
          },
        );
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    starting.catch(reject);
  });
}
