/**
 * gRPC status codes ↔ the error family (the codes SPIRE's Workload API handler returns): the server turns its errors'
 * codes into statuses; the client turns statuses back into WorkloadApiError, which keeps the gRPC
 * code and prints as Go's status errors do (`rpc error: code = PermissionDenied desc = …`), the
 * text Teleport's spiffe-inspect shows. No grpc-js import: the codes are the protocol's numbers.
 */
import {SvidkitError, isSvidkitError, type ErrorCode} from '../errors.js'

export const GrpcStatus = {
  OK: 0, CANCELLED: 1, INVALID_ARGUMENT: 3, NOT_FOUND: 5, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16,
} as const

/** Go's codes.Code.String() names, by number. */
const CODE_NAMES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal',
  'Unavailable', 'DataLoss', 'Unauthenticated'] as const

const TO_STATUS: Readonly<Partial<Record<ErrorCode, number>>> = {
  BAD_PARAMETER: GrpcStatus.INVALID_ARGUMENT,
  ACCESS_DENIED: GrpcStatus.PERMISSION_DENIED,
  NOT_IMPLEMENTED: GrpcStatus.UNIMPLEMENTED,
  CONNECTION_PROBLEM: GrpcStatus.UNAVAILABLE,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  LIMIT_EXCEEDED: GrpcStatus.RESOURCE_EXHAUSTED,
}

const FROM_STATUS: Readonly<Record<number, ErrorCode>> = Object.fromEntries(
  Object.entries(TO_STATUS).map(([code, status]) => [status, code as ErrorCode]))

/** Error → gRPC status; SPIFFE ID errors are bad input too; anything unknown is Internal. */
export function grpcStatusOf(err: unknown): {code: number; details: string} {
  const details = err instanceof Error ? err.message : String(err)
  if (!isSvidkitError(err)) return {code: GrpcStatus.INTERNAL, details}
  if (err.code.startsWith('SPIFFEID_')) return {code: GrpcStatus.INVALID_ARGUMENT, details}
  return {code: TO_STATUS[err.code] ?? GrpcStatus.INTERNAL, details}
}

/** A gRPC failure from the Workload API. */
export class WorkloadApiError extends SvidkitError {
  /** The gRPC status code (3 = InvalidArgument, 7 = PermissionDenied, 14 = Unavailable, …). */
  readonly grpcCode: number
  readonly details: string
  constructor(grpcCode: number, details: string) {
    super(FROM_STATUS[grpcCode] ?? 'INTERNAL', `rpc error: code = ${CODE_NAMES[grpcCode] ?? grpcCode} desc = ${details}`)
    this.grpcCode = grpcCode
    this.details = details
  }
}

/** A grpc-js ServiceError (anything with a numeric `code`) → WorkloadApiError; other errors pass. */
export function toWorkloadApiError(err: unknown): Error {
  if (err instanceof WorkloadApiError || !(err instanceof Error)) return err as Error
  const status = err as Error & {code?: unknown; details?: unknown}
  if (typeof status.code !== 'number') return err
  return new WorkloadApiError(status.code, typeof status.details === 'string' ? status.details : err.message)
}
