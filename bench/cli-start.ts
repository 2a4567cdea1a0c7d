/**
 * How long `flotilla` takes to answer before it does anything: `--help` (the goal is ≤ 300 ms,
 * so it must not load tsx or the bot), beside node starting with nothing to do, and a command
 * that goes through tsx (`runner start --bogus`, refused at its first option).
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { summary } from "./stats.ts";

const BIN = fileURLToPath(new URL("../bin/flotilla.js", import.meta.url));

export interface CliStartBench {
  help: { p50: number; p90: number };
  nodeAlone: { p50: number };
  throughTsx: { p50: number };
}

async function timed(args: string[], count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: "ignore" });
      child.once("error", reject);
      child.once("exit", () => resolve());
    });
    samples.push(performance.now() - t0);
  }
  return samples;
}

export async function cliStartBench(count = 20): Promise<CliStartBench> {
  const help = summary(await timed([BIN, "--help"], count));
  const nodeAlone = summary(await timed(["-e", "0"], count));
  const throughTsx = summary(await timed([BIN, "runner", "start", "--bogus"], Math.ceil(count / 4)));
  return {
    help: { p50: help.p50, p90: help.p90 },
    nodeAlone: { p50: nodeAlone.p50 },
    throughTsx: { p50: throughTsx.p50 },
  };
}

export function formatCliStartBench(result: CliStartBench): string[] {
  return [
    `flotilla --help      p50 ${result.help.p50} ms, p90 ${result.help.p90} ms (goal ≤ 300 ms; node alone p50 ${result.nodeAlone.p50} ms; a command through tsx p50 ${result.throughTsx.p50} ms)`,
  ];
}
