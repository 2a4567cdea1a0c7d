/**
 * The fake GitHub every suite shares: start it with the app's public key, add real git
 * repositories, point the product at it with `GHE_HOST`/`GHE_PROTOCOL`. See
 * fake-github/server.ts for what it serves and records.
 */
export {
  startFakeGitHub,
  type FakeGitHub,
} from "./fake-github/server.ts";
export { validateResponseBody } from "./fake-github/openapi-validator.ts";
export {
  firstFaults,
  randomFaults,
  type WriteRequest,
} from "./fake-github/faults.ts";
export type {
  CheckRunRecord,
  FakeRepository,
} from "./fake-github/types.ts";
