/**
 * A stored git push (what the poller saw: one branch head new or moved) as the forge-neutral
 * RunContext, with GitHub's names: `github.event_name` push, `github.ref` refs/heads/<branch>,
 * `github.sha` the new head, `github.event` GitHub's push fields (`ref`, `before`, `after`,
 * `repository`). Runners clone from the followed URL itself, with no token.
 */
import { z } from "zod";
import { fail, ok, type Result } from "../../../protocol/result.ts";
import { repoRef } from "../../runs/repo-ref.ts";
import type { RunContext } from "../../runs/run-context.ts";

export const GIT_PUSH = "push";

/** What the poller stores for one moved head (the event's payload). */
export const GitPush = z.object({
  ref: z.string().startsWith("refs/heads/"),
  before: z.string(),
  after: z.string().regex(/^[0-9a-f]{40,64}$/),
  repository: z.object({ full_name: z.string().min(1), clone_url: z.string().min(1) }),
});
export type GitPush = z.infer<typeof GitPush>;

/** The delivery id of a head: the same in every bot and every poll, so a head runs once. */
export function pushDeliveryId(name: string, ref: string, sha: string): string {
  return `${name}:${ref}:${sha}`;
}

export function gitRunContext(deliveryId: string, name: string, payload: unknown): Result<RunContext> {
  if (name !== GIT_PUSH) return fail(`${name} starts no run`);
  const parsed = GitPush.safeParse(payload);
  if (!parsed.success) return fail(`git push lacks ${parsed.error.issues[0]?.path.join(".")}`);
  const push = parsed.data;
  return ok({
    forge: "git",
    deliveryId,
    repo: repoRef(push.repository.full_name),
    // Nothing says who may read it: treated as private.
    private: true,
    eventName: "push",
    sha: push.after,
    ref: push.ref,
    filterRef: { kind: "branch", name: push.ref.slice("refs/heads/".length) },
    actor: "git",
    checkout: { cloneUrl: push.repository.clone_url },
    fork: false,
  });
}
