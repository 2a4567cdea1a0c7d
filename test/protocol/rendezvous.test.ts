/**
 * Affinity by rendezvous hashing: a repository keeps its runner while the fleet stays, and a
 * resize moves only the repositories the new runner wins.
 */
import { describe, expect, it } from "vitest";
import { preferredRunner } from "../../protocol/rendezvous.ts";

const repositories = Array.from({ length: 1_000 }, (_, i) => `acme/repo-${i}`);
const runners = (n: number) => Array.from({ length: n }, (_, i) => `runner-${i}`);

describe("preferredRunner", () => {
  it("gives a repository the same runner whatever the order of the list, and spreads repositories", () => {
    const four = runners(4);
    const counts = new Map<string, number>();
    for (const repo of repositories) {
      const chosen = preferredRunner(repo, four)!;
      expect(preferredRunner(repo, [...four].reverse())).toBe(chosen);
      counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
    }
    for (const id of four) expect(counts.get(id)).toBeGreaterThan(200);
    expect(preferredRunner("acme/app", [])).toBeUndefined();
  });

  it("moves about a fifth of the repositories on a resize from 4 to 5 runners, all to the new one", () => {
    const moved = repositories.filter(
      (repo) => preferredRunner(repo, runners(4)) !== preferredRunner(repo, runners(5)),
    );
    expect(moved.length / repositories.length).toBeGreaterThan(0.15);
    expect(moved.length / repositories.length).toBeLessThan(0.25);
    for (const repo of moved) expect(preferredRunner(repo, runners(5))).toBe("runner-4");
  });
});
