// @ts-check
/**
 * `npm run build` (and `prepare`, so `npm install` in a checkout, `npm ci` and `npm pack` run
 * it): the TypeScript compiled into dist/, with what the compiled code reads beside it — the
 * SQL migrations and the package version — so dist/ is laid out as the sources are and every
 * `new URL("../…", import.meta.url)` finds its file. dist/ is made afresh: a file whose source
 * was deleted must not linger in the package.
 */
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = `${root}dist/`;

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", `${root}tsconfig.build.json`], {
  stdio: "inherit",
});
// drizzle-kit's snapshots only serve `drizzle-kit generate`; the migrator reads the journal.
cpSync(`${root}db/migrations`, `${dist}db/migrations`, {
  recursive: true,
  filter: (source) => !source.endsWith("_snapshot.json"),
});
const { version } = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
writeFileSync(`${dist}package.json`, `${JSON.stringify({ type: "module", version }, null, 2)}\n`);
