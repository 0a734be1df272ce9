/**
 * Errors of the predicate language. Teleport builds its messages by wrapping (`trace.Wrap(err,
 * "parsing lhs of (==) operator")`); we keep the same chain on one line, outermost first, joined by
 * `: `. `denied` marks errors Teleport raises as AccessDenied (the Sigstore licence check).
 */

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly denied = false,
  ) {
    super(message)
    this.name = 'ExpressionError'
  }
}

/** `context: <inner message>`, keeping the inner error's kind. */
export function wrapExpressionError(err: unknown, context: string): ExpressionError {
  if (err instanceof ExpressionError) return new ExpressionError(`${context}: ${err.message}`, err.denied)
  throw err
}

/** Runs `fn`, prefixing any ExpressionError it throws with `context`. */
export function withContext<T>(context: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw wrapExpressionError(err, context)
  }
}
