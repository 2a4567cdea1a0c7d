/**
 * Parses a workflow file written in GitHub Actions syntax with GitHub's own parser
 * (`@actions/workflow-parser`), so what GitHub rejects we reject with its message and
 * position, then reads the validated tokens into Flotilla's Workflow model.
 *
 * Every feature Flotilla does not run yet is reported by name at its line, never skipped: a
 * job that uses one fails saying why (or, without `perJob`, the whole file does).
 */
import {
  convertWorkflowTemplate,
  isMapping,
  NoOperationTraceWriter,
  parseWorkflow as parseTemplate,
} from "@actions/workflow-parser";
import type { Definition } from "@actions/workflow-parser/templates/schema/definition";
import { TemplateSchema } from "@actions/workflow-parser/templates/schema/template-schema";
import { TemplateContext, TemplateValidationErrors } from "@actions/workflow-parser/templates/template-context";
import { getWorkflowSchema } from "@actions/workflow-parser/workflows/workflow-schema";
import type { MappingToken } from "@actions/workflow-parser/templates/tokens/index";
import { readJob } from "./read-job.ts";
import { readConcurrency, readDefaults } from "./read-settings.ts";
import { stringMap } from "./read-steps.ts";
import { readTriggers } from "./read-triggers.ts";
import { entries, find, TokenText } from "./token-text.ts";
import { refusalMessage } from "./unsupported.ts";
import type { ParseResult, Workflow, WorkflowProblem } from "./workflow.ts";
import { fail, ok } from "../../protocol/result.ts";

export interface ParseOptions {
  /**
   * Named contexts the run's forge adds (see RunContext.contexts): the workflow may read them
   * wherever it may read `github`. Without them, a name GitHub does not know is refused with
   * GitHub's message, as GitHub refuses it.
   */
  contexts?: readonly string[];
  /**
   * Keep what one job uses that Flotilla cannot run as that job's `refusals` (the bot and
   * `flotilla validate` plan the job refused and run the others). Without it, each refusal is a
   * problem of the file, at its line, and the file does not parse (`flotilla run`).
   */
  perJob?: boolean;
}

/**
 * Async because GitHub's converter is (it can fetch called workflows; Flotilla asks it not to).
 */
export async function parseWorkflow(path: string, text: string, options: ParseOptions = {}): Promise<ParseResult> {
  const extra = options.contexts ?? [];
  // The context GitHub's parser makes by itself, but for the schema.
  const context = new TemplateContext(
    new TemplateValidationErrors(),
    extra.length > 0 ? schemaWith(extra) : getWorkflowSchema(),
    new NoOperationTraceWriter(),
  );
  const parsed = parseTemplate({ name: path, content: text }, context);
  const root = parsed.value;
  if (!root || parsed.context.errors.count > 0) return fail(githubProblems(parsed.context));
  const template = await convertWorkflowTemplate(parsed.context, root);
  if (template.errors?.length || !isMapping(root)) return fail(githubProblems(parsed.context));

  const tokens = new TokenText(text);
  const problems: WorkflowProblem[] = [];
  const workflow: Workflow = {
    path,
    name: nameOf(root, tokens) || path,
    on: readTriggers(template.events, find(root, "on"), tokens, problems),
    env: stringMap(find(root, "env"), tokens),
    defaults: readDefaults(find(root, "defaults"), tokens),
    jobs: [],
  };
  const concurrency = readConcurrency(find(root, "concurrency"), tokens);
  if (concurrency) workflow.concurrency = concurrency;
  const jobs = find(root, "jobs");
  if (jobs && isMapping(jobs)) {
    for (const [id, value, keyToken] of entries(jobs)) {
      if (isMapping(value)) workflow.jobs.push(readJob(keyToken, id, value, tokens, problems));
    }
  }
  if (!options.perJob) {
    for (const job of workflow.jobs)
      for (const refusal of job.refusals ?? [])
        problems.push({
          message: `job "${job.key}": ${refusalMessage(refusal)}`,
          line: refusal.line,
          column: refusal.column,
        });
  }
  return problems.length > 0 ? fail(sortByPosition(problems)) : ok(workflow);
}

const schemas = new Map<string, TemplateSchema>();

/**
 * GitHub's workflow schema with `names` allowed wherever `github` is: built once per set of
 * names from copies of its definitions, so GitHub's own (cached, shared) schema is never changed.
 */
function schemaWith(names: readonly string[]): TemplateSchema {
  const key = [...new Set(names)].sort().join(",");
  const cached = schemas.get(key);
  if (cached) return cached;
  const github = getWorkflowSchema();
  const schema = new TemplateSchema();
  for (const [name, definition] of Object.entries(github.definitions)) {
    schema.definitions[name] = withContexts(definition, key.split(","));
  }
  schemas.set(key, schema);
  return schema;
}

function withContexts(definition: Definition, names: string[]): Definition {
  const has = (list: string[]) => list.some((item) => item.toLowerCase() === "github");
  if (!has(definition.readerContext)) return definition;
  const add = (list: string[]) => [
    ...list,
    ...names.filter((name) => !list.some((item) => item.toLowerCase() === name.toLowerCase())),
  ];
  const copy: Definition = Object.create(Object.getPrototypeOf(definition));
  Object.assign(copy, definition, {
    readerContext: add(definition.readerContext),
    evaluatorContext: add(definition.evaluatorContext),
  });
  return copy;
}

function nameOf(root: MappingToken, tokens: TokenText): string {
  const name = find(root, "name");
  return name ? tokens.text(name) : "";
}

/** GitHub's messages without its `file (Line: n, Col: m): ` prefix: the position is ours to print. */
function githubProblems(context: TemplateContext): WorkflowProblem[] {
  const problems = context.errors.getErrors().map((error) => ({
    // YAML errors carry a code frame after the first line; the position says the same.
    message: error.rawMessage.split("\n")[0]!,
    line: error.range?.start.line ?? 1,
    column: error.range?.start.column ?? 1,
  }));
  return sortByPosition(problems);
}

function sortByPosition(problems: WorkflowProblem[]): WorkflowProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}
