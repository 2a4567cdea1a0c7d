#!/usr/bin/env node
// The `flotilla` command. An installed package runs the JavaScript compiled into dist/ (at
// `prepare`, before `npm pack`); a git checkout runs its TypeScript sources through tsx, so what
// you edit is what runs and a dist/ left from an earlier build is never run stale. What needs
// no command run — `--help`, `--version`, a mistyped command — is answered before anything
// else loads, from the plain-JavaScript command registry.
import { existsSync } from "node:fs";

const fromSource =
  existsSync(new URL("../.git", import.meta.url)) || !existsSync(new URL("../dist/cli/main.js", import.meta.url));
const root = fromSource ? "../cli/" : "../dist/cli/";
const argv = process.argv.slice(2);
const { answerWithoutRunning, findCommand } = await import(`${root}command-usage.js`);
const answer = answerWithoutRunning(argv);
if (answer) {
  if (answer.stdout !== undefined) process.stdout.write(`${answer.stdout}\n`);
  if (answer.stderr !== undefined) process.stderr.write(`${answer.stderr}\n`);
  process.exitCode = answer.code;
} else {
  const { register } = await import("node:module");
  if (fromSource) (await import("tsx/esm/api")).register();
  // The hook runs on a thread of its own: a command that loads no JSON module is spared it.
  else if (!findCommand(argv).path.at(-1)?.noJsonModules) register(`${root}json-import-hooks.js`, import.meta.url);
  const { main } = await import(fromSource ? "../cli/main.ts" : "../dist/cli/main.js");
  process.exit(await main(argv));
}
