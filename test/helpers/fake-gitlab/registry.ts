/**
 * Running fakes by URL, so the webhook builders (gitlab-webhooks.ts), given only `gitlabUrl`,
 * name users and merge requests with the ids the fake's API answers (a bot that reads
 * `user.id` from a hook and asks `members/all/:user_id` must find the same person).
 */
import type { GitLabState } from "./state.ts";

const running = new Map<string, GitLabState>();

export const registerFake = (state: GitLabState): void => void running.set(state.url, state);
export const unregisterFake = (state: GitLabState): void => void running.delete(state.url);
export const fakeAt = (url: string): GitLabState | undefined => running.get(url.replace(/\/+$/, ""));
