/** The `flotilla` command as an operator runs it (`node BIN …`): suites that start real processes. */
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/flotilla.js", import.meta.url));
