import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { repoSuite } from "../repo-suite.ts";
import { randomId } from "../support.ts";

const namespace = randomId("ns");
const suite = repoSuite({ "README.md": "cancel\n" }, { namespace });

/** Alive means running: a killed orphan stays a zombie until PID 1 gets round to reaping it. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/** The pid a step printed as `bg-pid=<n>`. */
function backgroundPid(log: string): number {
  const match = /bg-pid=(\d+)/.exec(log);
  if (!match?.[1]) throw new Error(`no bg-pid in log:\n${log}`);
  return Number(match[1]);
}

describe("stopping a step from outside", () => {
  it("times a step out, kills its whole process group and skips the rest", async () => {
    const runner = await suite.bus.startRunner({ namespace });
    const id = await suite.publish(namespace, {
      steps: [
        // 0.04 minutes = 2.4s. The trap makes the step ignore SIGTERM, so SIGKILL must follow.
        { name: "Hang", run: "trap '' TERM\nsleep 1000 &\necho bg-pid=$!\nsleep 1000", timeoutMinutes: 0.04 },
        { name: "After", run: "echo after" },
      ],
    });
    const completed = await suite.bus.reports.completed(id);
    expect(completed.conclusion).toBe("timed_out");
    expect(completed.steps.map((s) => s.conclusion)).toEqual(["timed_out", "skipped"]);
    const log = suite.bus.reports.log(id);
    expect(log).toMatch(/Hang: timed out after \d+s/);
    expect(log).not.toContain("\nafter\n");
    expect(isAlive(backgroundPid(log))).toBe(false);
    await runner.stop();
  });

  it("kills background children when a step ends by itself", async () => {
    const runner = await suite.bus.startRunner({ namespace });
    const id = await suite.publish(namespace, { steps: [{ name: "Leave", run: "sleep 1000 &\necho bg-pid=$!" }] });
    expect((await suite.bus.reports.completed(id)).conclusion).toBe("success");
    expect(isAlive(backgroundPid(suite.bus.reports.log(id)))).toBe(false);
    await runner.stop();
  });

  it("cancels a running job from the cancel subject and reports it cancelled", async () => {
    const runner = await suite.bus.startRunner({ namespace });
    const id = await suite.publish(namespace, {
      steps: [
        { name: "Long", run: "sleep 1000 &\necho bg-pid=$!\necho waiting\nsleep 1000" },
        { name: "After", run: "echo after" },
      ],
    });
    await suite.bus.reports.waitFor(() => suite.bus.reports.log(id).includes("waiting\n"), 10_000, "the step to start");
    suite.bus.nc.publish(suite.bus.names.cancelSubject(id), "cancelled by /cancel from @octocat");
    const completed = await suite.bus.reports.completed(id, 10_000);
    expect(completed.conclusion).toBe("cancelled");
    expect(completed.message).toBe("cancelled by /cancel from @octocat");
    expect(completed.steps.map((s) => s.conclusion)).toEqual(["cancelled", "skipped"]);
    expect(isAlive(backgroundPid(suite.bus.reports.log(id)))).toBe(false);
    await runner.stop();
  });

  it("times the whole job out", async () => {
    const runner = await suite.bus.startRunner({ namespace });
    const id = await suite.publish(namespace, {
      timeoutMinutes: 0.03,
      steps: [{ name: "Long", run: "sleep 1000" }],
    });
    const completed = await suite.bus.reports.completed(id, 10_000);
    expect(completed.conclusion).toBe("timed_out");
    expect(completed.message).toMatch(/the job timed out/);
    await runner.stop();
  });

  it("hands a running job back when the runner stops", async () => {
    const runner = await suite.bus.startRunner({ namespace });
    const id = await suite.publish(namespace, {
      steps: [{ name: "Long", run: "echo waiting; sleep 2; echo finished" }],
    });
    await suite.bus.reports.waitFor(() => suite.bus.reports.log(id).includes("waiting\n"), 10_000, "the step to start");
    await runner.stop();
    expect(runner.stats().handedBack).toBe(1);
    expect(suite.bus.reports.events(id).some((e) => e.type === "completed")).toBe(false);
    // Nak'ed, not left to the lease: the next runner gets it at once as attempt 2.
    const next = await suite.bus.startRunner({ namespace });
    const completed = await suite.bus.reports.completed(id, 10_000);
    expect(completed).toMatchObject({ conclusion: "success", attempt: 2 });
    await next.stop();
  });
});
