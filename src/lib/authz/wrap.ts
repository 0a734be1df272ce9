/**
 * Teleport wraps errors with context (`trace.Wrap(err, "templating spec.spiffe.id")`) and keeps the
 * inner error's kind. We do the same on one line, outermost context first, joined by `: `, and keep
 * the inner error as `cause`.
 */
import {AccessDeniedError, BadParameterError, SvidkitError} from '../errors.js'

/** The same kind of error with `context: ` in front of its message. */
export function wrapError(err: SvidkitError, context: string): SvidkitError {
  const message = `${context}: ${err.message}`
  if (err instanceof AccessDeniedError) return new AccessDeniedError(message, {cause: err})
  return new BadParameterError(message, {cause: err})
}
