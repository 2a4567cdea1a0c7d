/**
 * Reading a YAML document node by node, so every problem can point at its line and column.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, type Scalar, type YAMLMap } from "yaml";
import type { WorkflowProblem } from "./workflow.ts";

export class Problems {
  readonly list: WorkflowProblem[] = [];
  constructor(private readonly lines: LineCounter) {}

  at(node: Node | Pair | null | undefined, message: string): void {
    const range = node && "range" in node ? node.range : node && "key" in node ? (node.key as Node | null)?.range : undefined;
    const pos = range ? this.lines.linePos(range[0]) : { line: 1, col: 1 };
    this.list.push({ message, line: pos.line, column: pos.col });
  }
}

export function entries(map: YAMLMap): [string, Node | null, Pair][] {
  return map.items.map((pair) => [String(isScalar(pair.key) ? pair.key.value : pair.key), pair.value as Node | null, pair]);
}

export function scalarString(node: Node | null): string | undefined {
  if (!isScalar(node)) return undefined;
  const value = (node as Scalar).value;
  return value === null || value === undefined ? undefined : String(value);
}

/** A string or a list of strings (`runs-on`, `branches`, `types`). */
export function stringList(node: Node | null, problems: Problems, what: string): string[] | undefined {
  if (isScalar(node)) {
    const value = scalarString(node);
    return value === undefined ? [] : [value];
  }
  if (isSeq(node)) {
    const out: string[] = [];
    for (const item of node.items) {
      const value = scalarString(item as Node);
      if (value === undefined) problems.at(item as Node, `${what} must be a list of strings`);
      else out.push(value);
    }
    return out;
  }
  problems.at(node, `${what} must be a string or a list of strings`);
  return undefined;
}

/** `env:` maps: every value becomes a string, as GitHub does. */
export function envMap(node: Node | null, problems: Problems, what: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (node === null) return env;
  if (!isMap(node)) {
    problems.at(node, `${what} must be a mapping of names to values`);
    return env;
  }
  for (const [key, value] of entries(node)) {
    const text = scalarString(value);
    if (value !== null && !isScalar(value)) problems.at(value, `${what}.${key} must be a string, number or boolean`);
    else env[key] = text ?? "";
  }
  return env;
}

export { isMap, isScalar, isSeq };
