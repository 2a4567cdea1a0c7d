/**
 * Masking: every secret in a text replaced by `***`, for whatever leaves the runner — the job's
 * log lines (log-streamer.ts), git's output in a checkout, an error message quoting it.
 */

export function maskSecrets(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of secrets) masked = masked.split(secret).join("***");
  return masked;
}
