/**
 * A parsed workflow, as far as Flotilla runs it. Built from GitHub Actions syntax.
 */
import type { JobStep } from "../../protocol/messages.ts";

export interface RefFilter {
  branches?: string[];
  branchesIgnore?: string[];
  tags?: string[];
  tagsIgnore?: string[];
}

export interface Triggers {
  push?: RefFilter;
  pull_request?: RefFilter & { types?: string[] };
  /** Events named in `on:` that Flotilla has no handler for; they simply never match. */
  other: string[];
}

export interface WorkflowJob {
  key: string;
  name: string;
  runsOn: string[];
  env: Record<string, string>;
  steps: JobStep[];
  timeoutMinutes: number;
}

export interface Workflow {
  path: string;
  name: string;
  on: Triggers;
  env: Record<string, string>;
  jobs: WorkflowJob[];
}

/** A problem in a workflow file, with the 1-based position GitHub's annotations want. */
export interface WorkflowProblem {
  message: string;
  line: number;
  column: number;
}

export type ParseResult = { ok: true; workflow: Workflow } | { ok: false; problems: WorkflowProblem[] };
