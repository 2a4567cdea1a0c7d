import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseWorkflow } from "../../../bot/workflows/parse-workflow.ts";

const FIXTURES = join(import.meta.dirname, "../../../../shared/fixtures/workflows");

/** What each problem names: the unsupported feature, by kind. */
function feature(message: string): string {
  if (/^`uses: docker:\/\/[^`]+` \(docker actions/.test(message)) return "docker actions";
  if (/^`jobs\.[\w-]+\.container`/.test(message)) return "container";
  if (/^`jobs\.[\w-]+\.services`/.test(message)) return "services";
  return `unexpected: ${message}`;
}

/**
 * Real workflows from public repositories. Each either parses (actions, remote and local, are
 * the runner's to fetch; called workflows the planner's), or names what Flotilla cannot run
 * yet at its line — a container engine; none parses "half". `first` is the line of the first problem.
 */
const EXPECTED: Record<string, { features: string[]; first: number }> = {
  "astral-sh__ruff__ci.yaml": { features: [], first: 0 },
  "denoland__deno__npm_publish.generated.yml": { features: [], first: 0 },
  "duckdb__duckdb__Main.yml": { features: ["container"], first: 489 },
  "ggerganov__llama.cpp__server.yml": { features: [], first: 0 },
  "hashicorp__terraform__build.yml": { features: [], first: 0 },
  "microsoft__DeepSpeed__xpu-max1100.yml": { features: ["container"], first: 38 },
  "microsoft__onnxruntime__reusable_linux_build.yml": { features: [], first: 0 },
  "nodejs__node__build-tarball.yml": { features: [], first: 0 },
  "numpy__numpy__wheels.yml": { features: [], first: 0 },
  "prometheus__prometheus__ci.yml": { features: ["container"], first: 16 },
  "pytorch__pytorch___linux-build.yml": { features: ["container"], first: 475 },
  "tailscale__tailscale__test.yml": { features: ["container"], first: 359 },
  "tinygrad__tinygrad__benchmark.yml": { features: [], first: 0 },
  "tokio-rs__tokio__ci.yml": { features: [], first: 0 },
  "wagtail__wagtail__test.yml": { features: ["services"], first: 126 },
  "withastro__astro__ci.yml": { features: [], first: 0 },
};

describe("the real workflows in shared/fixtures", () => {
  const files = readdirSync(FIXTURES).filter((f) => /\.ya?ml$/.test(f));

  it("are all in the expectation table", () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)("%s: parses, or names each unsupported feature at its line", async (file) => {
    const text = readFileSync(join(FIXTURES, file), "utf8");
    const result = await parseWorkflow(file, text);
    const expected = EXPECTED[file]!;
    expect(result.ok).toBe(expected.features.length === 0);
    if (result.ok) return;
    const lines = text.split("\n");
    for (const problem of result.reason) {
      // The line holds the feature's key: `uses:`, `container:`, `services:`.
      expect(lines[problem.line - 1], problem.message).toMatch(/\b(uses|container|services):/);
    }
    expect([...new Set(result.reason.map((p) => feature(p.message)))].sort()).toEqual(expected.features);
    expect(result.reason[0]!.line).toBe(expected.first);
  });
});
