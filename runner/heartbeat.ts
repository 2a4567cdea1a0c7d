/**
 * The runner's heartbeat: every `intervalMs`, and at once when a job starts or ends, a core
 * NATS message saying who it is and what it runs. The bot keeps the last one in Postgres; a
 * runner silent for 30 s shows offline. Core NATS, not JetStream: a missed beat is replaced
 * by the next one, and nothing waits for it.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { encode, type RunnerHeartbeat } from "../protocol/messages.ts";
import type { NatsNames } from "../protocol/names.ts";

export interface HeartbeatOptions {
  nc: NatsConnection;
  names: NatsNames;
  runner: RunnerHeartbeat["runner"];
  concurrency: number;
  intervalMs: number;
  state(): { running: string[]; stopping: boolean };
  logger: Logger;
}

export interface Heartbeat {
  /** Beat now (a job started or ended). */
  beat(): void;
  stop(): void;
}

export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { nc, names, runner } = options;
  const subject = names.heartbeatSubject(runner.id);
  function beat(): void {
    if (nc.isClosed()) return;
    const { running, stopping } = options.state();
    const message: RunnerHeartbeat = {
      v: 1,
      runner,
      concurrency: options.concurrency,
      running,
      stopping,
      at: new Date().toISOString(),
    };
    try {
      nc.publish(subject, encode(message));
    } catch (error) {
      options.logger.debug({ err: error }, "heartbeat not sent");
    }
  }
  beat();
  const timer = setInterval(beat, options.intervalMs);
  timer.unref();
  return {
    beat,
    stop() {
      clearInterval(timer);
    },
  };
}
