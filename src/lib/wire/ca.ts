/** The CA admin API on the wire (backend/ca-admin-api.ts): POST /v1/ca/rotate, GET /v1/ca/status. */
import type {CaRotationStatus, RotateRequest} from '../backend/ca-admin-api.js'
import {decodeRotation, rotationJson, CA_TYPES, type CaType} from '../ca/ca-state.js'
import {BadParameterError} from '../errors.js'
import {readBody, type JsonRecord} from './reader.js'

export const CA_API = {rotate: '/v1/ca/rotate', status: '/v1/ca/status'} as const

export function encodeRotateRequest(r: RotateRequest): JsonRecord {
  return {type: r.type, target_phase: r.targetPhase ?? '', mode: r.mode, ...(r.gracePeriodMs !== undefined ? {grace_period_ms: r.gracePeriodMs} : {})}
}

export function parseRotateRequest(body: unknown): RotateRequest {
  const r = readBody(body, 'request body', ['type', 'target_phase', 'mode', 'grace_period_ms'])
  const mode = r.required.string('mode')
  if (mode !== 'manual' && mode !== 'auto') throw new BadParameterError(`request body: mode: must be "manual" or "auto", not ${JSON.stringify(mode)}`)
  const grace = r.count('grace_period_ms')
  return {type: r.required.string('type'), targetPhase: r.string('target_phase') ?? '', mode, ...(grace !== undefined ? {gracePeriodMs: grace} : {})}
}

export function encodeCaStatus(s: CaRotationStatus): JsonRecord {
  return {type: s.type, rotation: rotationJson(s.rotation) as unknown as JsonRecord}
}

export function parseCaStatus(value: unknown, where: string): CaRotationStatus {
  if (typeof value !== 'object' || value === null) throw new BadParameterError(`${where}: must be an object`)
  const {type, rotation} = value as {type?: unknown; rotation?: unknown}
  if (!(CA_TYPES as readonly unknown[]).includes(type)) throw new BadParameterError(`${where}: unknown CA type ${JSON.stringify(type)}`)
  return {type: type as CaType, rotation: decodeRotation(rotation, where)}
}

export function parseCaStatusList(body: unknown): CaRotationStatus[] {
  const list = (body as {authorities?: unknown} | null)?.authorities
  if (!Array.isArray(list)) throw new BadParameterError('response body: authorities: must be a list')
  return list.map((v, i) => parseCaStatus(v, `response body: authorities[${i}]`))
}
