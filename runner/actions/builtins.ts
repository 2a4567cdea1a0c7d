/**
 * Actions Flotilla builds in, because their real implementations need GitHub's own hosted
 * services (artifacts, caches) or because the runner already does their work (checkout).
 * Matched on the action's name without its `@ref`.
 */
import type { StepRunContext, StepRun } from "../step/run-process.ts";
import { cacheAction, cacheRestoreAction, cacheSaveAction } from "./builtins/cache.ts";
import { checkoutAction } from "./builtins/checkout.ts";
import { downloadArtifact } from "./builtins/download-artifact.ts";
import { uploadArtifact } from "./builtins/upload-artifact.ts";

export interface BuiltinAction {
  /** `actions/checkout`, `actions/upload-artifact`… */
  name: string;
  /**
   * Runs the action with its evaluated `with:` inputs. `pre`/`post` phases, when a built-in
   * has them, are its own business (see the actions module for how posts are queued).
   */
  run(context: StepRunContext, inputs: Record<string, string>): Promise<Omit<StepRun, "startedAt" | "completedAt">>;
}

/** A built-in whose behaviour depends on the major version asked for (`@v3`, `@v4`). */
interface VersionedBuiltin {
  name: string;
  run(context: StepRunContext, inputs: Record<string, string>, ref: string): ReturnType<BuiltinAction["run"]>;
}

const BUILTINS: VersionedBuiltin[] = [
  { name: "actions/checkout", run: checkoutAction },
  { name: "actions/upload-artifact", run: uploadArtifact },
  { name: "actions/download-artifact", run: downloadArtifact },
  { name: "actions/cache", run: cacheAction },
  { name: "actions/cache/restore", run: cacheRestoreAction },
  { name: "actions/cache/save", run: cacheSaveAction },
];

export function findBuiltin(uses: string): BuiltinAction | undefined {
  const at = uses.indexOf("@");
  const name = (at < 0 ? uses : uses.slice(0, at)).toLowerCase();
  const ref = at < 0 ? "" : uses.slice(at + 1);
  const builtin = BUILTINS.find((b) => b.name === name);
  return builtin && { name: builtin.name, run: (context, inputs) => builtin.run(context, inputs, ref) };
}
