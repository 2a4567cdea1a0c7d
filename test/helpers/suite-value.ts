/**
 * Something a suite opens before its first test and closes after its last (a bus, a steps
 * harness), named once at the top of the suite file instead of a `let` and its two hooks: the
 * object returned stands for it, every property read from the opened value, so tests write
 * `h.runJob(…)` as if it had been there all along (reading it before the suite's `beforeAll`
 * throws). `close` runs after the suite's own `afterAll` hooks (after-hooks run in reverse
 * order), and also when `setUp` failed.
 */
import { afterAll, beforeAll } from "vitest";

export interface SuiteValueHooks<T> {
  open(): Promise<T>;
  /** More set-up once it is open (a labelset, a runner, object stores…). */
  setUp?(value: T): Promise<void>;
  close(value: T): Promise<void>;
}

export function suiteValue<T extends object>(what: string, hooks: SuiteValueHooks<T>): T {
  let value: T | undefined;
  beforeAll(async () => {
    value = await hooks.open();
    await hooks.setUp?.(value);
  });
  afterAll(async () => {
    if (value) await hooks.close(value);
  });
  return new Proxy({} as T, {
    get(_target, key) {
      if (!value) throw new Error(`${what} is used before the suite's beforeAll`);
      return Reflect.get(value, key, value);
    },
  });
}
