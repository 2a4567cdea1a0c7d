/**
 * The `post-receive` hook `flotilla follow-git --print-hook` prints: after each push the
 * repository asks the bot to poll it now (hook-handler.ts) with its own hook token. It reads
 * and drops the pushed refs (the bot asks git for the heads itself) and never fails the push:
 * a bot that cannot be reached polls at its next interval anyway.
 */
import { HOOK_PATH } from "./hook-handler.ts";

export function hookScript(publicUrl: string, name: string, token: string): string {
  const body = JSON.stringify({ repository: name });
  return `#!/bin/sh
# Flotilla: poll ${name} now instead of at the next interval (flotilla follow-git --print-hook).
cat >/dev/null
if curl --silent --show-error --fail --max-time 30 -X POST \\
  -H ${shellQuote(`Authorization: Bearer ${token}`)} \\
  -H 'Content-Type: application/json' \\
  --data ${shellQuote(body)} \\
  ${shellQuote(`${publicUrl}${HOOK_PATH}`)} >/dev/null; then
  echo ${shellQuote(`flotilla: ${name} polled`)} >&2
else
  echo "flotilla: could not reach the bot; it polls at its next interval" >&2
fi
exit 0
`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
