/**
 * Workflow commands in a step's output
 * (https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions):
 * `::error/warning/notice …::` become annotations (and stay in the log), `::group::` and
 * `::endgroup::` become `##[group]`/`##[endgroup]` lines the log page folds, `::add-mask::`
 * masks from the next line on, `::debug::` shows only in debug mode, and
 * `::stop-commands::token` … `::token::` turns processing off in between.
 */
import { isAbsolute, relative, sep } from "node:path";
import type { RunnerAnnotation } from "../../protocol/messages.ts";

/** GitHub keeps at most 10 annotations of each level per step. */
const MAX_ANNOTATIONS_PER_LEVEL = 10;

interface CommandSink {
  /** A line for the log (the log streamer masks it). */
  line(line: string): void;
  annotate(annotation: RunnerAnnotation): void;
  addMask(value: string): void;
}

export interface CommandOptions {
  /** ACTIONS_STEP_DEBUG: show `::debug::` lines. */
  debug: boolean;
  /** Annotation paths are made relative to it. */
  workspace: string;
  sink: CommandSink;
}

export interface ParsedCommand {
  name: string;
  properties: Record<string, string>;
  data: string;
}

/** One processor per step: `stop-commands` and the annotation limits are per step, as on GitHub. */
export function commandProcessor(options: CommandOptions): (line: string) => void {
  const { sink } = options;
  let stopToken: string | undefined;
  const counts = { error: 0, warning: 0, notice: 0 };
  return (line) => {
    if (stopToken !== undefined) {
      if (line.trim() === `::${stopToken}::`) stopToken = undefined;
      else sink.line(line);
      return;
    }
    const command = parseCommand(line);
    if (!command) return sink.line(line);
    switch (command.name) {
      case "error":
      case "warning":
      case "notice": {
        sink.line(`##[${command.name}]${command.data}`);
        counts[command.name] += 1;
        if (counts[command.name] <= MAX_ANNOTATIONS_PER_LEVEL)
          sink.annotate(annotationOf(command.name, command, options.workspace));
        return;
      }
      case "group":
        return sink.line(`##[group]${command.data}`);
      case "endgroup":
        return sink.line("##[endgroup]");
      case "add-mask":
        return sink.addMask(command.data);
      case "debug":
        if (options.debug) sink.line(`##[debug]${command.data}`);
        return;
      case "stop-commands":
        if (command.data === "") return sink.line(line);
        stopToken = command.data;
        return;
      default:
        // Unknown (or retired, like set-output) commands stay in the log as they were written.
        return sink.line(line);
    }
  };
}

/** `::name key=value,key=value::data`, or undefined when the line is not a command. */
export function parseCommand(line: string): ParsedCommand | undefined {
  const text = line.trimStart();
  if (!text.startsWith("::")) return undefined;
  const end = text.indexOf("::", 2);
  if (end < 0) return undefined;
  const head = text.slice(2, end);
  const space = head.indexOf(" ");
  const name = (space < 0 ? head : head.slice(0, space)).toLowerCase();
  if (!/^[a-z][a-z0-9-]*$/.test(name)) return undefined;
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const pair of head.slice(space + 1).split(",")) {
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
    }
  }
  return { name, properties, data: unescapeData(text.slice(end + 2)) };
}

function unescapeData(value: string): string {
  return value.replace(/%0D/gi, "\r").replace(/%0A/gi, "\n").replace(/%25/g, "%");
}

function unescapeProperty(value: string): string {
  return value
    .replace(/%0D/gi, "\r")
    .replace(/%0A/gi, "\n")
    .replace(/%3A/gi, ":")
    .replace(/%2C/gi, ",")
    .replace(/%25/g, "%");
}

function annotationOf(level: RunnerAnnotation["level"], command: ParsedCommand, workspace: string): RunnerAnnotation {
  const { properties } = command;
  const annotation: RunnerAnnotation = { level, message: command.data };
  if (properties.title) annotation.title = properties.title;
  if (properties.file) annotation.file = workspacePath(properties.file, workspace);
  const numbers = {
    line: properties.line,
    endLine: properties.endLine,
    col: properties.col,
    endColumn: properties.endColumn,
  };
  for (const [key, raw] of Object.entries(numbers)) {
    const value = raw === undefined ? NaN : Number(raw);
    if (Number.isInteger(value) && value > 0) annotation[key as keyof typeof numbers] = value;
  }
  return annotation;
}

/** Paths in annotations are repository paths: an absolute path inside the workspace is made relative. */
function workspacePath(file: string, workspace: string): string {
  const path = file.trim();
  if (!isAbsolute(path)) return path.replace(/^\.\//, "");
  const inside = relative(workspace, path);
  return inside.startsWith("..") || isAbsolute(inside) ? path : inside.split(sep).join("/");
}
