// @ts-check
/**
 * Module hooks the compiled `flotilla` (dist/) runs under: a JSON module imported without
 * `with { type: "json" }` is loaded as JSON instead of refused. @actions/workflow-parser imports
 * its schemas that way; tsx (from source) and Vite (tests) let it pass, plain Node does not.
 */

/** @type {import("node:module").LoadHook} */
export async function load(url, context, nextLoad) {
  if (url.endsWith(".json") && context.importAttributes?.type === undefined)
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });
  return nextLoad(url, context);
}
