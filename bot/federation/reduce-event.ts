/**
 * A stored GitHub delivery reduced to what a follower may see (`FederatedEvent`): a branch or
 * tag push, or a pull request's number, head and base, of a public repository. Everything else —
 * the installation, the sender, private repositories, other events — is never published.
 */
import { FederatedEvent } from "../../protocol/federation.ts";
import type { ForgeEvent } from "../../protocol/messages.ts";
import { PullRequestEvent, PushEvent } from "../forges/github/schema.ts";

export function reduceEvent(event: ForgeEvent): FederatedEvent | undefined {
  if (event.forge !== "github") return undefined;
  if (event.name === "push") {
    const push = PushEvent.safeParse(event.payload);
    if (!push.success || push.data.repository.private) return undefined;
    const { repository } = push.data;
    const before = (event.payload as { before?: unknown }).before;
    return FederatedEvent.parse({
      v: 1,
      id: event.deliveryId,
      kind: "push",
      host: hostOf(repository.clone_url),
      repository: repository.full_name,
      cloneUrl: repository.clone_url,
      ref: push.data.ref,
      before: typeof before === "string" ? before : undefined,
      after: push.data.after,
    });
  }
  if (event.name === "pull_request") {
    const pull = PullRequestEvent.safeParse(event.payload);
    if (!pull.success || pull.data.repository.private) return undefined;
    const { repository, pull_request } = pull.data;
    return FederatedEvent.parse({
      v: 1,
      id: event.deliveryId,
      kind: "pull_request",
      host: hostOf(repository.clone_url),
      repository: repository.full_name,
      cloneUrl: repository.clone_url,
      ref: `refs/pull/${pull.data.number}/merge`,
      pullRequest: {
        number: pull.data.number,
        action: pull.data.action,
        head: { ref: pull_request.head.ref, sha: pull_request.head.sha },
        base: { ref: pull_request.base.ref, sha: pull_request.base.sha },
      },
    });
  }
  return undefined;
}

function hostOf(cloneUrl: string): string {
  try {
    return new URL(cloneUrl).host;
  } catch {
    return "github.com";
  }
}
