/**
 * The systemd unit that keeps a registered runner running (`flotilla runner install-service`).
 * Stopping it must drain, not kill: systemd sends SIGTERM to the runner alone (KillMode=mixed;
 * the default would signal every step of every job at once) and waits the runner's drain grace
 * and a margin before it kills what is left.
 */

export interface RunnerUnit {
  /** Absolute paths: systemd has no PATH to find them with. */
  node: string;
  flotilla: string;
  config: string;
  workingDirectory: string;
  description: string;
  drainGraceMs: number;
  /** The user a system unit runs as; none for a user unit (it runs as its user). */
  user?: string;
  environment: Record<string, string>;
}

/** Past the drain grace: the runner hands its jobs back and reports them, which takes a moment. */
const STOP_MARGIN_S = 30;

export function runnerUnit(unit: RunnerUnit): string {
  const exec = [unit.node, unit.flotilla, "runner", "start", "--config", unit.config].map(quoted).join(" ");
  return [
    "# Written by `flotilla runner install-service`. Stopping drains: running jobs may finish",
    "# within the drain grace, then go back to the queue.",
    "[Unit]",
    `Description=${unit.description}`,
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${exec}`,
    // A path setting takes the rest of the line as it is: no quotes, only `%` escaped.
    `WorkingDirectory=${unit.workingDirectory.replace(/%/g, "%%")}`,
    ...(unit.user ? [`User=${unit.user}`] : []),
    ...Object.entries(unit.environment).map(([key, value]) => `Environment=${quoted(`${key}=${value}`)}`),
    "Restart=on-failure",
    "RestartSec=5",
    "KillSignal=SIGTERM",
    "KillMode=mixed",
    `TimeoutStopSec=${Math.ceil(unit.drainGraceMs / 1000) + STOP_MARGIN_S}`,
    "",
    "[Install]",
    `WantedBy=${unit.user ? "multi-user.target" : "default.target"}`,
    "",
  ].join("\n");
}

/** systemd splits on whitespace and reads `%` and `\` specially; double quotes keep a word whole. */
function quoted(word: string): string {
  const escaped = word.replace(/%/g, "%%");
  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : escaped;
}
