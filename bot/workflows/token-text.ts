/**
 * Reading GitHub's template tokens back into plain data, with text kept as written.
 *
 * GitHub's template reader turns `Build ${{ matrix.os }}` into `format('Build {0}', matrix.os)`
 * (and, inside block scalars, keeps the YAML indentation in the literal parts). Flotilla keeps
 * text as the user wrote it, so a string that holds an expression is read back from the YAML
 * scalar at the token's position instead.
 */
import { isScalar, LineCounter, parseDocument, visit } from "yaml";
import { isBasicExpression, isBoolean, isMapping, isNumber, isSequence, isString } from "@actions/workflow-parser";
import type { MappingToken, TemplateToken } from "@actions/workflow-parser/templates/tokens/index";
import type { WorkflowProblem } from "./workflow.ts";

interface ScalarSpan {
  start: number;
  end: number;
  value: string;
}

export class TokenText {
  private readonly spans: ScalarSpan[] = [];
  private readonly lineStarts: number[];

  constructor(content: string) {
    const lines = new LineCounter();
    const doc = parseDocument(content, { lineCounter: lines, uniqueKeys: false });
    this.lineStarts = lines.lineStarts;
    visit(doc, {
      Scalar: (_key, node) => {
        if (isScalar(node) && typeof node.value === "string" && node.range) {
          this.spans.push({ start: node.range[0], end: node.range[1], value: node.value });
        }
      },
    });
  }

  /** The token as a string, `${{ }}` kept: what `run:`, `name:`, `env:` values hold. */
  text(token: TemplateToken): string {
    if (isString(token)) return token.value;
    if (isNumber(token) || isBoolean(token)) return String(token.value);
    if (isBasicExpression(token)) return this.source(token) ?? `\${{ ${token.expression} }}`;
    return "";
  }

  /** Plain JSON-like data (a matrix), with expression strings kept as written. */
  plain(token: TemplateToken): unknown {
    if (isSequence(token)) return [...token].map((item) => this.plain(item));
    if (isMapping(token))
      return Object.fromEntries([...token].map((pair) => [this.text(pair.key), this.plain(pair.value)]));
    if (isNumber(token) || isBoolean(token)) return token.value;
    if (isString(token) || isBasicExpression(token)) return this.text(token);
    return null;
  }

  private source(token: TemplateToken): string | undefined {
    const start = token.range?.start;
    if (!start) return undefined;
    const offset = (this.lineStarts[start.line - 1] ?? 0) + start.column - 1;
    return this.spans.find((span) => span.start <= offset && offset < span.end)?.value;
  }
}

/** A mapping's entries by key name. */
export function entries(mapping: MappingToken): [string, TemplateToken, TemplateToken][] {
  return [...mapping].map((pair) => [isString(pair.key) ? pair.key.value : String(pair.key), pair.value, pair.key]);
}

export function find(mapping: TemplateToken | undefined, key: string): TemplateToken | undefined {
  return mapping && isMapping(mapping) ? mapping.find(key) : undefined;
}

export function positionOf(token: TemplateToken | undefined): { line: number; column: number } {
  return { line: token?.range?.start.line ?? 1, column: token?.range?.start.column ?? 1 };
}

export function problemAt(token: TemplateToken | undefined, message: string): WorkflowProblem {
  return { message, ...positionOf(token) };
}

/** `${{ x }}` → `x`; anything else unchanged. For `if:` and typed fields given as one expression. */
export function unwrapExpression(text: string): string {
  const match = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(text);
  return match && !match[1]!.includes("}}") ? match[1]!.trim() : text.trim();
}
