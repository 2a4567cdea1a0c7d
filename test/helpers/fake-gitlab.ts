/**
 * The fake GitLab suites share: start it, make projects (real git repositories), merge
 * requests and notes, point the product at it with `GITLAB_URL` and the bot's token. See
 * fake-gitlab/server.ts for what it serves and records.
 */
export { startFakeGitLab } from "./fake-gitlab/server.ts";
export type { FakeGitLab, FakeGitLabProject } from "./fake-gitlab/types.ts";
