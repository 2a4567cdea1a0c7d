/**
 * `hashFiles(patterns…)` as GitHub defines it: the SHA-256 of the SHA-256 digests of every
 * matching file under the workspace, in path order; "" when nothing matches
 * (https://docs.github.com/actions/learn-github-actions/expressions#hashfiles).
 *
 * The evaluator is synchronous and hashing is I/O, so a call whose result is not known yet
 * throws HashFilesPending; `settle` hashes asynchronously and evaluates again. Blocking the
 * event loop on a big workspace would stall the lease heartbeat and the log stream.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { ExpressionError, type ExpressionFunction } from "../../protocol/expressions/index.ts";
import { globFiles } from "./glob.ts";

async function hashFiles(workspace: string, patterns: readonly string[]): Promise<string> {
  const files = await globFiles(workspace, patterns);
  if (files.length === 0) return "";
  const outer = createHash("sha256");
  for (const file of files) {
    const inner = createHash("sha256");
    for await (const chunk of createReadStream(join(workspace, file))) inner.update(chunk as Buffer);
    outer.update(inner.digest());
  }
  return outer.digest("hex");
}

class HashFilesPending extends Error {
  override name = "HashFilesPending";
  constructor(readonly patterns: string[]) {
    super(`hashFiles(${patterns.join(", ")}) is being computed`);
  }
}

export interface HashFilesResolver {
  /** The `hashFiles` expression function. */
  fn: ExpressionFunction;
  /** Runs `compute` until no hashFiles call in it is left unknown. */
  settle<T>(compute: () => T): Promise<T>;
}

/** One per step: files change between steps, so results are cached only within one. */
export function hashFilesResolver(workspace: string): HashFilesResolver {
  const known = new Map<string, string>();
  return {
    fn: {
      minArgs: 1,
      maxArgs: 255,
      call(...args) {
        const patterns = args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg)));
        const hash = known.get(JSON.stringify(patterns));
        if (hash === undefined) throw new HashFilesPending(patterns);
        return hash;
      },
    },
    async settle(compute) {
      for (;;) {
        try {
          return compute();
        } catch (error) {
          const pending = pendingIn(error);
          if (!pending) throw error;
          known.set(JSON.stringify(pending.patterns), await hashOrExplain(workspace, pending.patterns));
        }
      }
    },
  };
}

/** An unreadable file fails the step that asked, like any expression error, not the runner. */
async function hashOrExplain(workspace: string, patterns: string[]): Promise<string> {
  try {
    return await hashFiles(workspace, patterns);
  } catch (cause) {
    const expression = `hashFiles(${patterns.map((pattern) => `'${pattern}'`).join(", ")})`;
    throw new ExpressionError(
      `${expression} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      expression,
      { cause },
    );
  }
}

function pendingIn(error: unknown): HashFilesPending | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof HashFilesPending) return current;
  }
  return undefined;
}
