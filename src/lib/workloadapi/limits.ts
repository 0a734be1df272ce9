/**
 * What one caller of the Workload API may ask of the server. The socket is 0777 (any local user may
 * connect), so every resource a request can make the server hold is bounded here: the request's
 * size and fields, the rate of calls per caller and method, the connections per caller, and how
 * long a connection may sit without a call. A caller is a uid on a Unix socket (a process can fork
 * new pids at will, not new uids) and the peer's IP over TCP.
 *
 * The defaults are generous for real workloads (go-spiffe's sources hold one connection with one
 * stream each, and fetch a JWT-SVID per audience now and then) and small for an attacker.
 */

export interface MethodRate {
  /** Tokens added per second. */
  readonly perSecond: number
  /** Bucket size: calls a caller may make at once after being quiet. */
  readonly burst: number
}

/** The methods limited per caller (the WIT ones are refused at once and cost nothing). */
export type LimitedMethod = 'FetchX509SVID' | 'FetchX509Bundles' | 'FetchJWTBundles' | 'FetchJWTSVID' | 'ValidateJWTSVID'

export interface WorkloadApiLimits {
  /** grpc-js `grpc.max_receive_message_length`: a larger request is refused before it is read. */
  readonly maxRequestBytes: number
  /** FetchJWTSVID: audiences per request. */
  readonly maxAudiences: number
  /** FetchJWTSVID and ValidateJWTSVID: UTF-8 bytes per audience. */
  readonly maxAudienceBytes: number
  /** FetchJWTSVID's `spiffe_id` (SPIFFE-ID standard §2.3: implementations support up to 2048 bytes). */
  readonly maxSpiffeIdBytes: number
  /** ValidateJWTSVID's `svid` (a compact JWS). */
  readonly maxSvidBytes: number
  readonly rates: Readonly<Record<LimitedMethod, MethodRate>>
  /** Open connections per caller; the next one is closed at once. */
  readonly maxConnectionsPerCaller: number
  /**
   * Calls in progress per connection (grpc-js `grpc.max_concurrent_streams`, the HTTP/2 setting:
   * clients queue beyond it). With maxRequestBytes it bounds what one connection's unfinished
   * requests can make the server buffer: 16 × 64 KiB = 1 MiB, 64 MiB per caller at most.
   */
  readonly maxConcurrentStreams: number
  /**
   * A connection with no call in progress for this long is sent GOAWAY (grpc-js
   * `grpc.max_connection_idle_ms`); if it is still open after as long again (at most 10 s more)
   * with no call, it is destroyed: a peer that never reads or sends would otherwise hold it. (Only
   * calls that reach a handler count: one sending nothing but oversized requests is destroyed too.)
   */
  readonly connectionIdleMs: number
}

export const DEFAULT_WORKLOAD_API_LIMITS: WorkloadApiLimits = Object.freeze({
  maxRequestBytes: 64 * 1024,
  maxAudiences: 16,
  maxAudienceBytes: 1024,
  maxSpiffeIdBytes: 2048,
  maxSvidBytes: 32 * 1024,
  rates: Object.freeze({
    // Per uid, and many workloads may share a uid: room for a fleet restarting at once, while one
    // caller still cannot keep the signer busy (an issuance costs ~0.3-0.5 ms of CPU).
    FetchX509SVID: {perSecond: 100, burst: 500},
    FetchX509Bundles: {perSecond: 100, burst: 500},
    FetchJWTBundles: {perSecond: 100, burst: 500},
    FetchJWTSVID: {perSecond: 200, burst: 1000},
    ValidateJWTSVID: {perSecond: 1000, burst: 2000},
  }),
  maxConnectionsPerCaller: 64,
  maxConcurrentStreams: 16,
  connectionIdleMs: 5 * 60_000,
})

/** Overrides on top of the defaults (tests use short timeouts and small buckets). */
export type WorkloadApiLimitOverrides = Partial<Omit<WorkloadApiLimits, 'rates'>> & {
  readonly rates?: Partial<Record<LimitedMethod, MethodRate>>
}

export function resolveLimits(overrides: WorkloadApiLimitOverrides = {}): WorkloadApiLimits {
  const {rates, ...rest} = overrides
  const limits: WorkloadApiLimits = {...DEFAULT_WORKLOAD_API_LIMITS, ...rest, rates: {...DEFAULT_WORKLOAD_API_LIMITS.rates, ...rates}}
  for (const [name, value] of Object.entries(limits)) {
    if (name !== 'rates' && !(Number.isInteger(value) && (value as number) > 0)) {
      throw new TypeError(`Workload API limit ${name} must be a positive integer`)
    }
  }
  for (const [method, rate] of Object.entries(limits.rates)) {
    if (!(rate.perSecond > 0 && Number.isInteger(rate.burst) && rate.burst > 0)) {
      throw new TypeError(`Workload API rate for ${method} needs perSecond > 0 and a positive integer burst`)
    }
  }
  return limits
}

/** How long after GOAWAY an idle connection that is still open is destroyed. */
export function idleDestroyAfterMs(limits: WorkloadApiLimits): number {
  return limits.connectionIdleMs + Math.min(limits.connectionIdleMs, 10_000)
}
