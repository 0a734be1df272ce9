/**
 * The error shape on the wire: `{"error": {"code": "NOT_FOUND", "message": "..."}}`, with the HTTP status
 * of the code (errors.ts ERROR_STATUS). The server writes it; the client reads it back and rebuilds the
 * same typed error with errorFromCode(). Teleport's web API uses `{"error": {"message"}}`; `code` is ours.
 */
import {isSvidkitError} from '../errors.js'

export interface WireError {
  readonly code: string
  readonly message: string
}

export interface WireErrorResponse {
  readonly status: number
  readonly body: {readonly error: WireError}
}

/** Never sent to a client: internal failures are logged on the server, not described to callers. */
export const INTERNAL_MESSAGE = 'internal server error'

/**
 * The response for an error thrown while serving a request. Typed errors keep their code, status and
 * message; anything else is a 500 with a fixed message (no stack, no internals).
 */
export function errorResponse(err: unknown): WireErrorResponse {
  if (isSvidkitError(err) && err.code !== 'INTERNAL') {
    return {status: err.status, body: {error: {code: err.code, message: err.message}}}
  }
  return {status: 500, body: {error: {code: 'INTERNAL', message: INTERNAL_MESSAGE}}}
}

/** The `{code, message}` of an error body, or undefined when the body is not our error shape. */
export function readWireError(body: unknown): WireError | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined
  const {code, message} = body.error
  if (typeof code !== 'string' || typeof message !== 'string') return undefined
  return {code, message}
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
