/**
 * A step's name as the step table shows it. A name whose template does not evaluate stays as
 * written: the step's own fields report the error, once.
 */
export function displayName(raw: string, evaluate: () => string): string {
  try {
    return evaluate();
  } catch {
    return raw;
  }
}
