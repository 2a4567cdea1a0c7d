/**
 * Validates request (and, for self-tests, response) bodies against GitHub's own OpenAPI
 * description from `@octokit/openapi`, so a request the real GitHub would reject with 422
 * is rejected here too instead of passing silently.
 *
 * The description is 13 MB: it is read once per process, and each operation's schema is
 * compiled on first use and cached.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Operation {
  operationId?: string;
  externalDocs?: { url?: string };
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: JsonObject;
}

export interface ValidationResult {
  valid: boolean;
  errors: ErrorObject[];
  /** "Invalid request.\n\n…" in GitHub's wording, when invalid. */
  message: string;
  documentationUrl: string;
}

// ajv-formats is CommonJS (`module.exports = plugin; exports.default = plugin`); under NodeNext
// the default import is module.exports, and TypeScript only sees the callable on `.default`.
const addFormats = addFormatsModule.default;

let documentCache: OpenApiDocument | undefined;
let ajvCache: Ajv | undefined;
const compiled = new Map<string, ValidateFunction | null>();

function loadDocument(): OpenApiDocument {
  if (!documentCache) {
    const require = createRequire(import.meta.url);
    const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
    documentCache = JSON.parse(readFileSync(file, "utf8")) as OpenApiDocument;
  }
  return documentCache;
}

function ajv(): Ajv {
  if (!ajvCache) {
    // strict: false — the description uses OpenAPI-only keywords (example, nullable, x-*).
    ajvCache = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajvCache);
  }
  return ajvCache;
}

/** Looks up the operation for `method` and a path template exactly as the description spells it. */
function findOperation(method: string, template: string): Operation | undefined {
  return loadDocument().paths[template]?.[method.toLowerCase()];
}

/**
 * Replaces `$ref: "#/components/..."` by the referenced schema. A schema that refers to
 * itself (recursion) is cut off as `{}` at the second visit: we validate request bodies,
 * which are shallow, and must not loop.
 */
function inlineRefs(node: Json, doc: OpenApiDocument, seen: ReadonlySet<string> = new Set()): Json {
  if (Array.isArray(node)) return node.map((item) => inlineRefs(item, doc, seen));
  if (node === null || typeof node !== "object") return node;
  const ref = node.$ref;
  if (typeof ref === "string" && ref.startsWith("#/")) {
    if (seen.has(ref)) return {};
    let target: Json = doc as unknown as Json;
    for (const part of ref.slice(2).split("/")) {
      target = target !== null && typeof target === "object" && !Array.isArray(target) ? (target[part] ?? null) : null;
    }
    return inlineRefs(target, doc, new Set([...seen, ref]));
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    // `example(s)` may contain `$ref`s to examples and are irrelevant for validation.
    if (key === "example" || key === "examples") continue;
    out[key] = inlineRefs(value, doc, seen);
  }
  // OpenAPI 3.0 `nullable` does not reach into `enum` for ajv; GitHub's enums omit null.
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  // ajv refuses `nullable` without `type` (GitHub uses it beside allOf/anyOf); it adds nothing there.
  if ("nullable" in out && !("type" in out)) delete out.nullable;
  return out;
}

function compile(key: string, schema: Json | undefined): ValidateFunction | null {
  if (compiled.has(key)) return compiled.get(key) ?? null;
  const validate = schema === undefined ? null : ajv().compile(inlineRefs(schema, loadDocument()) as object);
  compiled.set(key, validate);
  return validate;
}

function jsonSchema(content: Record<string, { schema?: Json }> | undefined): Json | undefined {
  if (!content) return undefined;
  return (content["application/json"] ?? Object.values(content)[0])?.schema;
}

export function validateRequestBody(method: string, template: string, body: unknown): ValidationResult {
  const operation = findOperation(method, template);
  const documentationUrl = operation?.externalDocs?.url ?? "https://docs.github.com/rest";
  const validate = compile(`req ${method} ${template}`, jsonSchema(operation?.requestBody?.content));
  return result(validate, body, documentationUrl, "Invalid request.");
}

/** For the fake's own tests: is our response what the description promises? */
export function validateResponseBody(
  method: string,
  template: string,
  status: number,
  body: unknown,
): ValidationResult {
  const operation = findOperation(method, template);
  const documentationUrl = operation?.externalDocs?.url ?? "https://docs.github.com/rest";
  const validate = compile(
    `res ${method} ${template} ${status}`,
    jsonSchema(operation?.responses?.[String(status)]?.content),
  );
  return result(validate, body, documentationUrl, "Invalid response.");
}

function result(
  validate: ValidateFunction | null,
  body: unknown,
  documentationUrl: string,
  title: string,
): ValidationResult {
  if (!validate || validate(body)) return { valid: true, errors: [], message: "", documentationUrl };
  const errors = validate.errors ?? [];
  return { valid: false, errors, message: `${title}\n\n${describeErrors(errors)}`, documentationUrl };
}

/** GitHub's wording: `For 'properties/conclusion', "bogus" is not a member of [...].` */
function describeErrors(errors: ErrorObject[]): string {
  return errors
    .map((error) => {
      const where = error.instancePath ? `properties${error.instancePath}` : "the request body";
      return `For '${where}', ${error.message ?? "is invalid"}${error.params && "allowedValues" in error.params ? ` ${JSON.stringify(error.params.allowedValues)}` : ""}.`;
    })
    .join("\n");
}
