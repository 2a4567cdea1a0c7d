#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx so `npm start` needs no build step. What
// needs no command run — `--help`, `--version`, a mistyped command — is answered before tsx
// loads (it costs most of a second), from the plain-JavaScript command registry.
import { answerWithoutRunning } from "../cli/command-usage.js";

const argv = process.argv.slice(2);
const answer = answerWithoutRunning(argv);
if (answer) {
  if (answer.stdout !== undefined) process.stdout.write(`${answer.stdout}\n`);
  if (answer.stderr !== undefined) process.stderr.write(`${answer.stderr}\n`);
  process.exitCode = answer.code;
} else {
  const { register } = await import("tsx/esm/api");
  register();
  const { main } = await import("../cli/main.ts");
  process.exit(await main(argv));
}
