/**
 * The fields of GitLab's webhook payloads (Push Hook, Tag Push Hook, Merge Request Hook, Note
 * Hook, as GitLab documents them) that Flotilla reads. Intake checks a delivery against its
 * schema (stored-events.ts), so what is stored is what the planner and commands can read.
 */
import { z } from "zod";

const Project = z.object({
  id: z.number().int(),
  path_with_namespace: z.string().min(1),
  git_http_url: z.string().min(1),
  web_url: z.string().optional(),
  /** 0 private, 10 internal, 20 public. */
  visibility_level: z.number().int().default(0),
  default_branch: z.string().nullish(),
});

const Person = z.object({ id: z.number().int(), username: z.string().min(1) });

export const PushHook = z.object({
  object_kind: z.enum(["push", "tag_push"]),
  before: z.string(),
  after: z.string(),
  ref: z.string().min(1),
  checkout_sha: z.string().nullish(),
  /** GitLab's documented tag push example has only `user_name`; real ones carry both. */
  user_username: z.string().min(1).optional(),
  user_name: z.string().optional(),
  project: Project,
  commits: z
    .array(
      z.object({
        added: z.array(z.string()).default([]),
        modified: z.array(z.string()).default([]),
        removed: z.array(z.string()).default([]),
      }),
    )
    .default([]),
  total_commits_count: z.number().int().default(0),
});

const MergeRequestSide = z.object({ path_with_namespace: z.string().min(1), git_http_url: z.string().optional() });

export const MergeRequestHook = z.object({
  object_kind: z.literal("merge_request"),
  user: Person,
  project: Project,
  object_attributes: z.object({
    iid: z.number().int(),
    source_branch: z.string().min(1),
    target_branch: z.string().min(1),
    source_project_id: z.number().int(),
    target_project_id: z.number().int(),
    action: z.string().optional(),
    /** Set on `update` when the push brought new commits (the head before it). */
    oldrev: z.string().nullish(),
    last_commit: z.object({ id: z.string().min(1) }),
    source: MergeRequestSide.nullish(),
    url: z.string().optional(),
  }),
});

export const NoteHook = z.object({
  object_kind: z.literal("note"),
  user: Person,
  project: Project,
  object_attributes: z.object({
    id: z.number().int(),
    note: z.string(),
    noteable_type: z.string(),
    system: z.boolean().nullish(),
    /** `create` or `update` (GitLab 16+); older GitLab sends none, and only for new notes. */
    action: z.string().nullish(),
  }),
  merge_request: z.object({ iid: z.number().int() }).optional(),
});
