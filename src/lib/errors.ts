/**
 * One error family with stable string codes (callers `switch (err.code)`), in the style of
 * panva/jose. Each code maps to an HTTP status so the server can send it and the remote client
 * can turn it back into the same class (smallstep's pattern). Caller misuse stays a plain TypeError.
 */

export const ERROR_STATUS = {
  BAD_PARAMETER: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  COMPARE_FAILED: 412,
  ACCESS_DENIED: 403,
  UNAUTHENTICATED: 401,
  LIMIT_EXCEEDED: 413,
  NOT_IMPLEMENTED: 501,
  CONNECTION_PROBLEM: 502,
  CORRUPT_STATE: 500,
  INTERNAL: 500,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS | SpiffeIdErrorCode

/** go-spiffe's SPIFFE ID error categories (go-spiffe v2/spiffeid/errors.go), as codes. */
export type SpiffeIdErrorCode =
  | 'SPIFFEID_EMPTY'
  | 'SPIFFEID_WRONG_SCHEME'
  | 'SPIFFEID_BAD_TRUST_DOMAIN_CHAR'
  | 'SPIFFEID_MISSING_TRUST_DOMAIN'
  | 'SPIFFEID_EMPTY_SEGMENT'
  | 'SPIFFEID_DOT_SEGMENT'
  | 'SPIFFEID_BAD_PATH_CHAR'
  | 'SPIFFEID_TRAILING_SLASH'
  | 'SPIFFEID_NO_LEADING_SLASH'

export class SvidkitError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }

  get status(): number {
    return (ERROR_STATUS as Record<string, number>)[this.code] ?? 400
  }
}

export class BadParameterError extends SvidkitError {
  constructor(message: string, options?: {cause?: unknown}) {
    super('BAD_PARAMETER', message, options)
  }
}

export class NotFoundError extends SvidkitError {
  constructor(message: string) {
    super('NOT_FOUND', message)
  }
}

export class AlreadyExistsError extends SvidkitError {
  constructor(message: string) {
    super('ALREADY_EXISTS', message)
  }
}

export class CompareFailedError extends SvidkitError {
  constructor(message: string) {
    super('COMPARE_FAILED', message)
  }
}

export class AccessDeniedError extends SvidkitError {
  constructor(message: string, options?: {cause?: unknown}) {
    super('ACCESS_DENIED', message, options)
  }
}

export class UnauthenticatedError extends SvidkitError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message)
  }
}

export class LimitExceededError extends SvidkitError {
  constructor(message: string) {
    super('LIMIT_EXCEEDED', message)
  }
}

/** Asked of something that exists in Teleport's API but not here (gRPC Unimplemented, HTTP 501). */
export class NotImplementedError extends SvidkitError {
  constructor(message: string) {
    super('NOT_IMPLEMENTED', message)
  }
}

export class ConnectionProblemError extends SvidkitError {
  constructor(message: string, options?: {cause?: unknown}) {
    super('CONNECTION_PROBLEM', message, options)
  }
}

/** A stored file that cannot be read back: reported, never silently dropped. */
export class CorruptStateError extends SvidkitError {
  constructor(message: string, options?: {cause?: unknown}) {
    super('CORRUPT_STATE', message, options)
  }
}

export class SpiffeIdError extends SvidkitError {
  declare readonly code: SpiffeIdErrorCode
  constructor(code: SpiffeIdErrorCode, message: string) {
    super(code, message)
  }
}

/** Where in a user's input a problem is: file, 1-based document number, field path. */
export interface InputLocation {
  readonly file?: string
  readonly document?: number
  readonly field?: string
}

/**
 * Bad user input (resource files, configs). The message names the file, the document and the field,
 * then the reason: `wi.yaml: document 2: spec.spiffe.id: must start with a /`.
 */
export class InputError extends BadParameterError {
  readonly location: InputLocation
  readonly reason: string
  constructor(location: InputLocation, reason: string, options?: {cause?: unknown}) {
    super(formatLocation(location) + reason, options)
    this.location = location
    this.reason = reason
  }

  /** The same problem, placed inside a file and document. */
  at(location: InputLocation): InputError {
    return new InputError({...location, field: this.location.field ?? location.field}, this.reason, {cause: this.cause})
  }
}

function formatLocation(loc: InputLocation): string {
  const parts: string[] = []
  if (loc.file !== undefined) parts.push(loc.file)
  if (loc.document !== undefined) parts.push(`document ${loc.document}`)
  if (loc.field !== undefined && loc.field !== '') parts.push(loc.field)
  return parts.length > 0 ? parts.join(': ') + ': ' : ''
}

/** Rebuild a typed error from its code and message (the remote client's side of the wire). */
export function errorFromCode(code: string, message: string): SvidkitError {
  switch (code) {
    case 'BAD_PARAMETER': return new BadParameterError(message)
    case 'NOT_FOUND': return new NotFoundError(message)
    case 'ALREADY_EXISTS': return new AlreadyExistsError(message)
    case 'COMPARE_FAILED': return new CompareFailedError(message)
    case 'ACCESS_DENIED': return new AccessDeniedError(message)
    case 'UNAUTHENTICATED': return new UnauthenticatedError(message)
    case 'LIMIT_EXCEEDED': return new LimitExceededError(message)
    case 'NOT_IMPLEMENTED': return new NotImplementedError(message)
    case 'CONNECTION_PROBLEM': return new ConnectionProblemError(message)
    case 'CORRUPT_STATE': return new CorruptStateError(message)
    default:
      if (code.startsWith('SPIFFEID_')) return new SpiffeIdError(code as SpiffeIdErrorCode, message)
      return new SvidkitError('INTERNAL', message)
  }
}

export function isSvidkitError(err: unknown): err is SvidkitError {
  return err instanceof SvidkitError
}
