import { describe, expect, it } from "vitest";
import { nextFire, nextFireIn, parseCron } from "../../../bot/schedules/cron.ts";

const next = (cron: string, after: string, timeZone?: string) =>
  nextFireIn(parseCron(cron), new Date(after), timeZone).toISOString();

describe("cron", () => {
  it.each([
    ["* * * * *", "2026-03-04T10:20:30Z", "2026-03-04T10:21:00.000Z"],
    ["*/15 * * * *", "2026-03-04T10:20:00Z", "2026-03-04T10:30:00.000Z"],
    ["5/20 * * * *", "2026-03-04T10:26:00Z", "2026-03-04T10:45:00.000Z"],
    ["0 3 * * *", "2026-03-04T03:00:00Z", "2026-03-05T03:00:00.000Z"],
    ["30 12 * * MON-FRI", "2026-03-06T13:00:00Z", "2026-03-09T12:30:00.000Z"],
    ["0 0 1 JAN *", "2026-03-04T00:00:00Z", "2027-01-01T00:00:00.000Z"],
    ["0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00.000Z"],
    ["0 9-17/4 * * *", "2026-03-04T13:00:00Z", "2026-03-04T17:00:00.000Z"],
    ["0,30 8 * * *", "2026-03-04T08:00:00Z", "2026-03-04T08:30:00.000Z"],
    // Both day fields restricted: either one matches (the 13th, or any Friday).
    ["0 0 13 * 5", "2026-03-07T00:00:00Z", "2026-03-13T00:00:00.000Z"],
    ["0 0 13 * 5", "2026-03-13T00:00:00Z", "2026-03-20T00:00:00.000Z"],
    ["0 0 * * 0", "2026-03-04T00:00:00Z", "2026-03-08T00:00:00.000Z"],
  ])("%s after %s fires at %s", (cron, after, expected) => {
    expect(next(cron, after)).toBe(expected);
  });

  it("reads a time zone's wall clock, across its clock change", () => {
    // 09:00 in Paris: 08:00 UTC in winter, 07:00 UTC once summer time starts (29 March 2026).
    expect(next("0 9 * * *", "2026-03-27T12:00:00Z", "Europe/Paris")).toBe("2026-03-28T08:00:00.000Z");
    expect(next("0 9 * * *", "2026-03-28T12:00:00Z", "Europe/Paris")).toBe("2026-03-29T07:00:00.000Z");
    expect(next("0 9 * * *", "2026-03-28T12:00:00Z", "UTC")).toBe("2026-03-29T09:00:00.000Z");
  });

  it("refuses what is not a cron, and says when one never fires", () => {
    expect(() => parseCron("* * * *")).toThrow(/five fields/);
    expect(() => parseCron("60 * * * *")).toThrow(/out of range/);
    expect(() => nextFire(parseCron("0 0 30 2 *"), new Date("2026-01-01T00:00:00Z"))).toThrow(/never fires/);
  });
});
