/**
 * The bot's settings. GIT_POLL_SECONDS: 60 unless told, a whole number of at least one second; anything else
 * stops start-up with the setting named.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, readBotConfig } from "../../bot/config.ts";

describe("GIT_POLL_SECONDS", () => {
  it("defaults to a minute and takes a number of seconds", () => {
    expect(readBotConfig({}).git.pollSeconds).toBe(60);
    expect(readBotConfig({ GIT_POLL_SECONDS: "5" }).git.pollSeconds).toBe(5);
  });

  it.each(["0", "-3", "1.5", "soon"])("refuses %s", (value) => {
    try {
      readBotConfig({ GIT_POLL_SECONDS: value });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join("\n")).toContain("GIT_POLL_SECONDS");
    }
  });
});

describe("JOB_QUEUE_TIMEOUT", () => {
  it("defaults to 24 hours, as GitHub, and takes a duration with its unit or seconds", () => {
    expect(readBotConfig({}).jobs.queueTimeoutMs).toBe(86_400_000);
    expect(readBotConfig({ JOB_QUEUE_TIMEOUT: "90m" }).jobs.queueTimeoutMs).toBe(5_400_000);
    expect(readBotConfig({ JOB_QUEUE_TIMEOUT: "1.5h" }).jobs.queueTimeoutMs).toBe(5_400_000);
    expect(readBotConfig({ JOB_QUEUE_TIMEOUT: "30" }).jobs.queueTimeoutMs).toBe(30_000);
  });

  it.each(["0", "soon", "-1h", "3 weeks"])("refuses %s", (value) => {
    expect(() => readBotConfig({ JOB_QUEUE_TIMEOUT: value })).toThrow(/JOB_QUEUE_TIMEOUT.*is not a duration/);
  });
});

describe("WEBHOOK_RECOVERY_MINUTES", () => {
  it("defaults to five minutes, takes minutes (a fraction too), and 0 turns lost-webhook recovery off", () => {
    expect(readBotConfig({}).github.webhookRecoveryMs).toBe(300_000);
    expect(readBotConfig({ WEBHOOK_RECOVERY_MINUTES: "0.5" }).github.webhookRecoveryMs).toBe(30_000);
    expect(readBotConfig({ WEBHOOK_RECOVERY_MINUTES: "0" }).github.webhookRecoveryMs).toBe(0);
  });

  it.each(["-1", "often"])("refuses %s", (value) => {
    expect(() => readBotConfig({ WEBHOOK_RECOVERY_MINUTES: value })).toThrow(/WEBHOOK_RECOVERY_MINUTES/);
  });
});
