/**
 * What a queued check run says while its job waits for a runner of its namespace.
 */
import { describe, expect, it } from "vitest";
import { notTakenExplanation, queuedExplanation, type Fleet } from "../../../bot/fleet/queued-explanation.ts";
import { now, runner, secondsAgo } from "./support.ts";

describe("the queued check run's explanation", () => {
  it("counts the runners that could take the job, by state", () => {
    const fleet: Fleet = {
      now,
      runners: [
        runner(),
        runner({ running: ["x"] }),
        runner({ lastSeenAt: secondsAgo(600) }),
        runner({ labels: ["linux", "self-hosted", "arm64"] }),
        runner({ namespace: "lab" }),
      ],
    };
    expect(queuedExplanation(fleet, "default", ["self-hosted", "X86_64"])).toEqual({
      title: "Waiting for a runner: 2 online (1 busy), 1 offline",
      summary:
        "Waiting for a runner with labels `self-hosted`, `x64` in namespace `default`: 2 online (1 busy), 1 offline when the job was queued. A free runner takes it in a moment.",
    });
    expect(queuedExplanation({ now, runners: [runner({ running: ["x"] })] }, "default", []).summary).toContain(
      "no particular labels in namespace `default`: 1 online (1 busy), 0 offline when the job was queued. Every runner that could run it is busy",
    );
  });

  it("says when no runner of the namespace has the labels, and how to register one", () => {
    const fleet: Fleet = { now, runners: [runner(), runner({ namespace: "lab", labels: ["gpu"] })] };
    const none = queuedExplanation(fleet, "default", ["self-hosted", "GPU"]);
    expect(none.title).toBe("No runner in namespace default has the labels gpu, self-hosted");
    expect(none.summary).toBe(
      "No runner in namespace `default` has the labels `gpu`, `self-hosted`: it has 1 runner, none with all of them (a runner needs every label a job asks for).\n\nThe job stays queued until one does: register one with `flotilla runner register --labels gpu,self-hosted` and start it.",
    );
    expect(queuedExplanation(fleet, "empty", []).title).toBe("No runner in namespace empty");
    expect(queuedExplanation(fleet, "empty", []).summary).toBe(
      "No runner in namespace `empty`: the namespace has no runners.\n\nThe job stays queued until one does: register one with `flotilla runner register --namespace empty` and start it.",
    );
  });

  it("says when the only runners with the labels keep themselves for jobs asking for an exclusive label", () => {
    const gpu = runner({ labels: ["gpu", "linux", "self-hosted", "x64"], exclusiveLabels: ["gpu"] });
    const fleet: Fleet = { now, runners: [gpu] };
    const lint = queuedExplanation(fleet, "default", ["self-hosted"]);
    expect(lint.title).toBe("No runner in namespace default takes these labels: its one match is exclusive to gpu");
    expect(lint.summary).toContain(
      "1 runner in namespace `default` has the labels `self-hosted`, but it takes only jobs whose `runs-on` asks for `gpu` (registered with `--exclusive-labels`).",
    );
    expect(queuedExplanation(fleet, "default", ["self-hosted", "gpu"]).title).toBe(
      "Waiting for a runner: 1 online (0 busy), 0 offline",
    );
  });

  it("names the labels no runner had when a job timed out in its queue", () => {
    const fleet: Fleet = { now, runners: [runner(), runner({ namespace: "lab", labels: ["fpga"] })] };
    expect(notTakenExplanation(fleet, "default", ["self-hosted", "fpga"])).toBe(
      "No runner in namespace `default` had the labels `fpga` (`runs-on`: `fpga`, `self-hosted`).",
    );
    expect(notTakenExplanation({ now, runners: [runner({ running: ["x"] })] }, "default", ["linux"])).toContain(
      "Every runner that could run it is busy",
    );
  });
});
