/**
 * The permission cache: one read per user and repository per minute, shared by lookups in
 * flight, failures not kept. The clock is a number the test moves; nothing sleeps.
 */
import { describe, expect, it } from "vitest";
import type { Permission } from "../../../bot/forges/forge.ts";
import { cachePermissions, type PermissionLookup } from "../../../bot/commands/permission-cache.ts";
import { repoRef } from "../../../bot/runs/repo-ref.ts";

const APP = repoRef("acme/app");
const LIB = repoRef("acme/lib");

/** A lookup that records its calls and answers when the test says so. */
function slowLookup() {
  const calls: string[] = [];
  const pending: { resolve: (p: Permission) => void; reject: (e: Error) => void }[] = [];
  const lookup: PermissionLookup = (repo, login) => {
    calls.push(`${repo.fullName} ${login}`);
    return new Promise((resolve, reject) => pending.push({ resolve, reject }));
  };
  return { lookup, calls, pending };
}

function clock(start = 1_000_000) {
  const c = { at: start, now: () => c.at };
  return c;
}

describe("cachePermissions", () => {
  it("reads once per repository and login within the TTL", async () => {
    const time = clock();
    const calls: string[] = [];
    const cached = cachePermissions(
      async (repo, login) => {
        calls.push(`${repo.fullName} ${login}`);
        return login === "octocat" ? "admin" : "read";
      },
      { now: time.now },
    );
    expect(await cached(APP, "octocat")).toBe("admin");
    time.at += 59_999;
    expect(await cached(APP, "octocat")).toBe("admin");
    expect(await cached(APP, "hubot")).toBe("read");
    expect(await cached(LIB, "octocat")).toBe("admin");
    expect(calls).toEqual(["acme/app octocat", "acme/app hubot", "acme/lib octocat"]);
  });

  it("reads again once the TTL has passed since the answer came", async () => {
    const time = clock();
    const { lookup, calls, pending } = slowLookup();
    const cached = cachePermissions(lookup, { now: time.now, ttlMs: 60_000 });
    const first = cached(APP, "octocat");
    time.at += 120_000; // a slow answer: the minute starts when it arrives
    pending[0]!.resolve("write");
    expect(await first).toBe("write");
    time.at += 59_999;
    expect(await cached(APP, "octocat")).toBe("write");
    expect(calls).toHaveLength(1);
    time.at += 1;
    const second = cached(APP, "octocat");
    pending[1]!.resolve("read");
    expect(await second).toBe("read");
    expect(calls).toHaveLength(2);
  });

  it("shares one lookup between concurrent requests for the same key", async () => {
    const { lookup, calls, pending } = slowLookup();
    const cached = cachePermissions(lookup, { now: clock().now });
    const answers = [cached(APP, "octocat"), cached(APP, "octocat"), cached(repoRef("Acme/App"), "OctoCat")];
    expect(calls).toEqual(["acme/app octocat"]);
    pending[0]!.resolve("maintain");
    expect(await Promise.all(answers)).toEqual(["maintain", "maintain", "maintain"]);
  });

  it("does not keep a failed lookup: every waiter sees the failure, the next request reads again", async () => {
    const { lookup, calls, pending } = slowLookup();
    const cached = cachePermissions(lookup, { now: clock().now });
    const a = cached(APP, "octocat");
    const b = cached(APP, "octocat");
    pending[0]!.reject(new Error("GitHub said 502"));
    await expect(a).rejects.toThrow("GitHub said 502");
    await expect(b).rejects.toThrow("GitHub said 502");
    const c = cached(APP, "octocat");
    pending[1]!.resolve("admin");
    expect(await c).toBe("admin");
    expect(calls).toHaveLength(2);
  });

  it("turns a lookup that throws into a rejection, not cached", async () => {
    let calls = 0;
    const cached = cachePermissions(
      () => {
        calls++;
        throw new Error("no installation");
      },
      { now: clock().now },
    );
    await expect(cached(APP, "octocat")).rejects.toThrow("no installation");
    await expect(cached(APP, "octocat")).rejects.toThrow("no installation");
    expect(calls).toBe(2);
  });

  it("keeps at most maxEntries, dropping expired entries, then the oldest", async () => {
    const time = clock();
    const calls: string[] = [];
    const cached = cachePermissions(
      async (_repo, login) => {
        calls.push(login);
        return "read";
      },
      { now: time.now, ttlMs: 1_000, maxEntries: 2 },
    );
    await cached(APP, "a");
    time.at += 500;
    await cached(APP, "b");
    time.at += 600; // a expired, b not
    await cached(APP, "c"); // drops a
    await cached(APP, "b"); // still cached
    await cached(APP, "d"); // nothing expired: drops the oldest, b
    await cached(APP, "c"); // still cached
    await cached(APP, "b"); // read again
    expect(calls).toEqual(["a", "b", "c", "d", "b"]);
  });
});
