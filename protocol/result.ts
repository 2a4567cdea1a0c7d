/**
 * What a step that can fail in an expected way returns (a bad matrix, a workflow file that
 * does not parse, a secret name GitHub would refuse): its value, or why not. Unexpected
 * failures throw; these are the ones a caller reports to the user.
 */
export type Result<T, R = string> = { ok: true; value: T } | { ok: false; reason: R };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<R = string>(reason: R): { ok: false; reason: R } {
  return { ok: false, reason };
}
