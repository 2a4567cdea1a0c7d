import { createLogger } from "vite";
import { defineConfig } from "vitest/config";

// Inlined packages (below) ship source maps that name sources they do not ship; Vite would
// warn once per file. Everything else Vite logs still comes through.
const logger = createLogger();
const warnOnce = logger.warnOnce.bind(logger);
logger.warnOnce = (message, options) => {
  if (!message.includes("points to missing source files")) warnOnce(message, options);
};

export default defineConfig({
  customLogger: logger,
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Suites start real servers and processes; two cores, so keep the fan-out modest.
    maxWorkers: 2,
    pool: "forks",
    // The memory suites measure what stays after a collection, not garbage not yet collected.
    execArgv: ["--expose-gc"],
    // @actions/workflow-parser imports its JSON schema without `with { type: "json" }`, which
    // Node refuses; inlined, Vite loads it (as tsx does for the CLI).
    server: { deps: { inline: ["@actions/workflow-parser"] } },
  },
});
