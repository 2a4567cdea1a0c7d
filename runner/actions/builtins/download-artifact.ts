/**
 * `actions/download-artifact`: artifacts of this run (and this namespace), one by `name`
 * into `path`, or all of them (filtered by `pattern`) into one folder each, or into `path`
 * itself with `merge-multiple`. Expired artifacts are gone.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import {
  ArtifactInfo,
  artifactObjectName,
  describedAs,
  isExpired,
  type ArchiveStore,
} from "../../../protocol/object-stores.ts";
import type { StepRunContext } from "../../step/run-process.ts";
import { extractArchive, fetchArchive } from "./archive.ts";
import { expandPath } from "./find-files.ts";
import { booleanInput, failed, guarded, storesOf, succeeded, type ActionResult } from "./results.ts";

const ACTION = "actions/download-artifact";

export function downloadArtifact(context: StepRunContext, inputs: Record<string, string>): Promise<ActionResult> {
  return guarded(ACTION, async () => {
    const stores = storesOf(context, ACTION);
    if (typeof stores === "string") return failed(stores);
    const { job, dirs, jobLog } = context;
    // Downloading from another run or repository would quietly give this run's files instead.
    const foreign = ["run-id", "repository", "github-token"].filter((input) => (inputs[input] ?? "").trim() !== "");
    if (foreign.length > 0)
      return failed(
        `${ACTION}: \`with: ${foreign.join(", ")}\` (artifacts of another run) is not supported; only this run's artifacts can be downloaded`,
      );
    const name = (inputs.name ?? "").trim();
    const pattern = (inputs.pattern ?? "").trim();
    const mergeMultiple = booleanInput(inputs, "merge-multiple");
    const path = expandPath((inputs.path ?? "").trim() || ".", { workspace: dirs.workspace, home: dirs.home });
    const store = await stores.artifacts();

    const all = await runArtifacts(store, job.runId, stores.namespace);
    let chosen: ArtifactInfo[];
    if (name) {
      const one = all.find((artifact) => artifact.name === name);
      if (!one)
        return failed(
          `Unable to download artifact(s): Artifact not found for name: ${name}\nPlease ensure that your artifact is not expired and the artifact was uploaded using a compatible version of toolkit/upload-artifact.`,
        );
      chosen = [one];
    } else {
      const matcher = pattern ? namePattern(pattern) : undefined;
      chosen = all.filter((artifact) => !matcher || matcher.test(artifact.name));
      jobLog.line(`Found ${chosen.length} artifact(s)${pattern ? ` matching ${pattern}` : ""}`);
    }
    for (const artifact of chosen) {
      // By name: straight into path. Several: a folder each, unless merged.
      const dest = name || mergeMultiple ? path : join(path, artifact.name);
      const file = await fetchArchive(
        store,
        artifactObjectName(artifact.runId, artifact.namespace, artifact.name),
        dirs.temp,
      );
      if (!file) return failed(`Unable to download artifact(s): Artifact not found for name: ${artifact.name}`);
      try {
        await extractArchive(file, dest);
      } finally {
        await rm(file, { force: true });
      }
      jobLog.line(
        `Artifact ${artifact.name} (${artifact.files} file(s), ${artifact.size} bytes) downloaded to ${dest}`,
      );
    }
    jobLog.line(`Total of ${chosen.length} artifact(s) downloaded`);
    return succeeded({ "download-path": path });
  });
}

/** The live artifacts of one run in one namespace, oldest first. */
async function runArtifacts(store: ArchiveStore, runId: string, namespace: string): Promise<ArtifactInfo[]> {
  const now = new Date();
  const found: ArtifactInfo[] = [];
  for (const object of await store.list()) {
    const artifact = describedAs(ArtifactInfo, object);
    if (artifact && artifact.runId === runId && artifact.namespace === namespace && !isExpired(artifact, now))
      found.push(artifact);
  }
  return found.sort((a, b) => a.uploadedAt.localeCompare(b.uploadedAt));
}

/** download-artifact's `pattern` (minimatch on names): `*`, `?`, `[…]`, `{a,b}`. */
function namePattern(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? "";
    if (char === "*") out += ".*";
    else if (char === "?") out += ".";
    else if (char === "{") out += "(?:";
    else if (char === "}") out += ")";
    else if (char === "," && out.includes("(?:")) out += "|";
    else if (char === "[") {
      const end = pattern.indexOf("]", i + 1);
      out +=
        end < 0
          ? "\\["
          : `[${pattern
              .slice(i + 1, end)
              .replace(/^!/, "^")
              .replace(/\\/g, "\\\\")}]`;
      if (end >= 0) i = end;
    } else out += char.replace(/[.+^$()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}
