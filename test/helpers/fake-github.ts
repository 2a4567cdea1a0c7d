/**
 * The fake GitHub every suite shares: start it with the app's public key, add real git
 * repositories, point the product at it with `GHE_HOST`/`GHE_PROTOCOL`. See
 * fake-github/server.ts for what it serves and records.
 */
export {
  startFakeGitHub,
  DEFAULT_PERMISSIONS,
  type FakeGitHub,
  type FakeGitHubOptions,
  type AddRepositoryOptions,
} from "./fake-github/server.ts";
export { validateRequestBody, validateResponseBody } from "./fake-github/openapi-validator.ts";
export {
  firstFaults,
  randomFaults,
  type Fault,
  type FaultRecord,
  type FaultRule,
  type WriteRequest,
} from "./fake-github/faults.ts";
export type { WaitOptions } from "./fake-github/state.ts";
export type {
  CheckRunRecord,
  CloneRecord,
  CommentRecord,
  FakeRepository,
  InvalidRequestRecord,
  Permissions,
  RequestRecord,
  StatusRecord,
  TokenRecord,
} from "./fake-github/types.ts";
