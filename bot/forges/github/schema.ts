/**
 * The parts of GitHub webhook payloads Flotilla reads. Permissive: only the fields used, so a
 * new field GitHub adds never breaks intake. Intake refuses a run event that fails its schema
 * here (bot/ingest/github-events.ts), so what is stored is what the planner can read.
 */
import { z } from "zod";

const Repository = z.object({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  private: z.boolean().default(false),
  clone_url: z.string(),
  owner: z.object({ login: z.string() }).passthrough(),
});

const Installation = z.object({ id: z.number() }).passthrough();
const Sender = z.object({ login: z.string() }).passthrough();

export const PushEvent = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().default(false),
  repository: Repository,
  installation: Installation,
  sender: Sender.optional(),
  pusher: z.object({ name: z.string() }).passthrough().optional(),
});

export const PullRequestEvent = z.object({
  action: z.string(),
  number: z.number(),
  pull_request: z.object({
    number: z.number(),
    user: Sender.optional(),
    head: z.object({ sha: z.string(), ref: z.string(), repo: Repository.nullable() }),
    base: z.object({ sha: z.string(), ref: z.string(), repo: Repository }),
  }),
  repository: Repository,
  installation: Installation,
  sender: Sender.optional(),
});

export const WorkflowDispatchEvent = z.object({
  ref: z.string(),
  workflow: z.string(),
  inputs: z.record(z.unknown()).nullable().default({}),
  repository: Repository,
  installation: Installation,
  sender: Sender.optional(),
});
