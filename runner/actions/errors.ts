/** An action that cannot be had or run (bad `uses:`, missing ref, docker); the message is for the job's log. */
export class ActionError extends Error {
  override name = "ActionError";
}
