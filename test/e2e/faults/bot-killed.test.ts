/**
 * The bot killed with SIGKILL while 200 deliveries arrive: every delivery it answered 2xx, and
 * every one GitHub redelivers because it got no answer, ends as exactly one run whose job ran
 * once, with one check run and a final status. The bot is a real `flotilla bot` process.
 */
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, expect, it } from "vitest";
import { flotillaSuite } from "../../helpers/flotilla-suite.ts";
import { BIN } from "../../helpers/flotilla-bin.ts";
import { commitFiles } from "../../helpers/git-repo.ts";
import { INSTALLATION_ID } from "../../helpers/flotilla.ts";
import { until } from "../../helpers/until.ts";
import { pushPayload } from "../../helpers/webhooks.ts";
import { scratchDir } from "../../helpers/scratch.ts";
import { allCompleted, countedWorkflow, expectEachJobOnce } from "./support.ts";

const scratch = scratchDir("flotilla-bot-killed-");
let bot: ResultPromise | undefined;

const f = flotillaSuite();

afterAll(async () => {
  bot?.kill("SIGKILL");
  await bot?.catch(() => {});
});

/** `flotilla bot` in a process of its own, serving this Flotilla's URL; resolves once it answers. */
async function startBotProcess(): Promise<{ child: ResultPromise }> {
  const child = execa("node", [BIN, "bot"], {
    env: { ...f.botEnv, PATH: process.env.PATH ?? "", HOME: scratch(), LOG_FORMAT: "json", LOG_LEVEL: "warn" },
    extendEnv: false,
    reject: false,
  });
  await until(
    async () => (await fetch(`${f.publicUrl}/healthz`).catch(() => undefined))?.ok,
    30_000,
    "the bot process to answer",
  );
  // Wrapped: a subprocess is a promise, and returning it would wait for its exit.
  return { child };
}

it("SIGKILL of the bot under 200 deliveries: each becomes one run, its job run once, statuses final", {
  timeout: 420_000,
}, async () => {
  const ran = join(scratch(), "ran.log");
  const workflow = countedWorkflow(ran, { jobs: ["build"], legs: 1, key: "${{ github.sha }}" });
  const { repo, sha: first, dir } = await f.repository("faults", "killed", { ".flotilla/workflows/ci.yml": workflow });
  const shas = [first];
  for (let i = 1; i < 200; i++) shas.push(await commitFiles(dir, { "n.txt": String(i) }, `commit ${i}`));

  await f.stopBot();
  bot = (await startBotProcess()).child;
  await f.startRunner({ name: "r1", config: { concurrency: 4 } });
  await f.startRunner({ name: "r2", config: { concurrency: 4 } });

  // GitHub keeps a delivery it got no 2xx for, and redelivers it (same delivery id) later.
  const pending = shas.map((sha, i) => ({
    id: `kill-${i}`,
    payload: pushPayload(repo, { sha, installationId: INSTALLATION_ID }),
  }));
  let killed = false;
  let accepted = 0;
  while (pending.length > 0) {
    const batch = pending.splice(0, 10);
    const answers = await Promise.all(
      batch.map((d) => f.deliver("push", d.payload, d.id).catch(() => ({ status: 0, body: "" }))),
    );
    for (const [i, answer] of answers.entries()) {
      if (answer.status === 202) accepted++;
      else pending.push(batch[i]!);
    }
    if (!killed && accepted >= 100) {
      // Mid-stream: planning and running are under way when the process dies.
      killed = true;
      bot!.kill("SIGKILL");
      await bot;
      bot = (await startBotProcess()).child;
    }
  }
  expect(killed).toBe(true);

  await f.fake.waitFor(() => allCompleted(f, shas, 200), { timeoutMs: 360_000 });
  await expectEachJobOnce(f, shas, ran, shas);
});
