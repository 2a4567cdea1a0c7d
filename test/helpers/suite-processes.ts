/**
 * The processes a suite starts (runners, `flotilla` commands), SIGKILLed and waited for after
 * its last test, should a test fail before it stopped its own. Call it after the suite's other
 * hooks are registered (after-hooks run in reverse order: the processes go first, then what
 * they used); the function it returns keeps a process and hands it back.
 */
import type { ResultPromise } from "execa";
import { afterAll } from "vitest";

export function suiteProcesses(): <P extends ResultPromise>(child: P) => P {
  const children: ResultPromise[] = [];
  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await Promise.allSettled(children);
  });
  return (child) => {
    children.push(child);
    return child;
  };
}
