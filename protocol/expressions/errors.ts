/** The two ways an expression can fail to give a value. */

/** Any problem with an expression: it does not parse, or evaluating it threw. The message is the library's (GitHub's). */
export class ExpressionError extends Error {
  override name = "ExpressionError";
  constructor(
    message: string,
    readonly expression: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Thrown when an expression reads a context that is not known yet (the `github` context at
 * `flotilla validate` time): the caller keeps the text as written instead of guessing. Not
 * an ExpressionError, because nothing is wrong with the expression.
 */
export class UnknownContext extends Error {
  override name = "UnknownContext";
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
