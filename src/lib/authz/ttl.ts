/**
 * SVID TTL caps (Teleport's api/proto/teleport/workloadidentity/v1/resource.proto `maximum_ttl`): a workload identity may lower the 24h default cap
 * for each credential type; an unset or zero maximum means the default (Teleport's `cmp.Or`).
 */
import {BadParameterError} from '../errors.js'
import type {WorkloadIdentity} from '../resources/types.js'

export const DEFAULT_MAX_TTL_MS = 24 * 60 * 60 * 1000

/** protojson duration (`3600s`, `1.5s`) in milliseconds. */
export function parseProtoDurationMs(value: string): number {
  const m = /^(-)?([0-9]+)(?:\.([0-9]{1,9}))?s$/.exec(value)
  if (m === null) throw new BadParameterError(`invalid duration ${JSON.stringify(value)}: expected seconds with an "s" suffix, e.g. "3600s"`)
  const ms = Number(m[2]) * 1000 + Number(((m[3] ?? '') + '000').slice(0, 3))
  return m[1] === undefined ? ms : -ms
}

function capMs(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_TTL_MS
  const ms = parseProtoDurationMs(value)
  return ms === 0 ? DEFAULT_MAX_TTL_MS : ms
}

export function maxTtlsMs(wi: WorkloadIdentity): {readonly x509MaxTtlMs: number; readonly jwtMaxTtlMs: number} {
  return {x509MaxTtlMs: capMs(wi.spec.spiffe.x509?.maximum_ttl), jwtMaxTtlMs: capMs(wi.spec.spiffe.jwt?.maximum_ttl)}
}
