/**
 * `actions/upload-artifact`: the matched files as one tar.gz in the artifacts store, named
 * for the run, the namespace and the artifact, with paths relative to the least common
 * ancestor of the search paths (as v4 keeps them).
 */
import { rm } from "node:fs/promises";
import { relative } from "node:path";
import {
  artifactObjectName,
  ArtifactInfo,
  describedAs,
  isExpired,
  MAX_RETENTION_DAYS,
} from "../../../protocol/object-stores.ts";
import type { StepRunContext } from "../../step/run-process.ts";
import { createArchive, isTaken, putArchive } from "./archive.ts";
import { commonRoot, findFiles, inputLines } from "./find-files.ts";
import {
  booleanInput,
  failed,
  guarded,
  InputError,
  majorVersion,
  requiredInput,
  storesOf,
  succeeded,
  type ActionResult,
} from "./results.ts";

const ACTION = "actions/upload-artifact";
const INVALID_NAME = /[":<>|*?\r\n\\/]/;

export function uploadArtifact(
  context: StepRunContext,
  inputs: Record<string, string>,
  ref: string,
): Promise<ActionResult> {
  return guarded(ACTION, async () => {
    const stores = storesOf(context, ACTION);
    if (typeof stores === "string") return failed(stores);
    const { job, dirs, jobLog } = context;
    const name = (inputs.name ?? "").trim() || "artifact";
    const bad = INVALID_NAME.exec(name);
    if (bad)
      return failed(
        `The artifact name is not valid: ${name}. Contains the following character: ${JSON.stringify(bad[0])}`,
      );
    const patterns = inputLines(requiredInput(inputs, "path"));
    const ifNoFiles = readIfNoFilesFound(inputs["if-no-files-found"]);
    const retentionDays = readRetentionDays(inputs["retention-days"]);
    // v3 let a second upload replace (it appended, in fact); v4 refuses unless asked.
    const overwrite = majorVersion(ref) < 4 || booleanInput(inputs, "overwrite");

    const found = await findFiles(patterns, { workspace: dirs.workspace, home: dirs.home });
    const root = await commonRoot(found.searchPaths);
    // Since v4.4 hidden files (and files in hidden folders) are left out unless asked for.
    if (!booleanInput(inputs, "include-hidden-files"))
      found.files = found.files.filter(
        (file) =>
          !relative(root, file)
            .split("/")
            .some((part) => part.startsWith(".") && part !== ".."),
      );
    if (found.files.length === 0) {
      const message = `No files were found with the provided path: ${patterns.join(", ")}. No artifacts will be uploaded.`;
      if (ifNoFiles === "error") return failed(message);
      jobLog.line(ifNoFiles === "warn" ? `##[warning]${message}` : message);
      return succeeded();
    }
    const store = await stores.artifacts();
    const objectName = artifactObjectName(job.runId, stores.namespace, name);
    const existing = await store.info(objectName);
    const live = existing && !existing.deleted && !isExpiredObject(existing.description);
    if (live && !overwrite)
      return failed(
        `Failed to CreateArtifact: an artifact with this name already exists on the workflow run: ${name} (set \`overwrite: true\` to replace it)`,
      );

    jobLog.line(`With the provided path, there will be ${found.files.length} file(s) uploaded, relative to ${root}`);
    const archive = await createArchive(
      dirs.temp,
      root,
      found.files.map((file) => relative(root, file)),
    );
    try {
      const now = new Date();
      const info: ArtifactInfo = {
        runId: job.runId,
        jobKey: job.jobKey,
        namespace: stores.namespace,
        name,
        size: archive.size,
        files: found.files.length,
        uploadedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + retentionDays * 86_400_000).toISOString(),
      };
      // Without overwrite the store itself refuses a name another job took meanwhile.
      const previous = overwrite ? undefined : (existing?.revision ?? 0);
      const stored = await putArchive(store, objectName, JSON.stringify(info), archive.file, previous).catch(
        (error: unknown) => {
          if (isTaken(error))
            throw new InputError(
              `Failed to CreateArtifact: an artifact with this name already exists on the workflow run: ${name}`,
            );
          throw error;
        },
      );
      jobLog.line(
        `Artifact ${name} has been successfully uploaded! Final size is ${archive.size} bytes. Artifact ID is ${stored.revision}`,
      );
      return succeeded({
        "artifact-id": String(stored.revision), // The run page needs its token, which runners never see: no URL to give.
        "artifact-url": "",
      });
    } finally {
      await rm(archive.file, { force: true });
    }
  });
}

function readIfNoFilesFound(value: string | undefined): "warn" | "error" | "ignore" {
  const given = (value ?? "").trim() || "warn";
  if (given === "warn" || given === "error" || given === "ignore") return given;
  throw new InputError(
    `Unrecognized if-no-files-found input. Provided: ${given}. Available options: warn, error, ignore`,
  );
}

/** GitHub clamps to 1..90 (the repository's limit, which here is the bucket's). */
function readRetentionDays(value: string | undefined): number {
  const given = (value ?? "").trim();
  if (given === "" || given === "0") return MAX_RETENTION_DAYS;
  const days = Number(given);
  if (!Number.isFinite(days)) throw new InputError(`Invalid retention, must be a number: ${given}`);
  return Math.min(Math.max(Math.floor(days), 1), MAX_RETENTION_DAYS);
}

function isExpiredObject(description: string | undefined): boolean {
  const info = describedAs(ArtifactInfo, { description });
  return info !== undefined && isExpired(info);
}
