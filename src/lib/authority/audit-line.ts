/**
 * The audit record of one issuance and its line, bounded in size: a JWT-SVID's audiences are the
 * requester's choice (a Workload API caller's, through tbot), so an unbounded line would let any
 * caller fill the disk at the rate it can request. What the line keeps:
 *
 * - at most 16 audiences, each as sent when up to 256 characters long, else `sha256:` and the hex
 *   SHA-256 of its UTF-8 (still comparable with a known audience); when anything was cut or
 *   hashed, `"audiences_truncated": true` and `"audiences_count"` (how many were requested);
 * - a line still over 16 KiB (attributes or labels sent by a bot) is written again with every
 *   string over 256 characters hashed the same way, then any of `dns_sans`, `label_selectors`,
 *   `attributes` whose JSON is still over 1 KiB replaced by the hash of that JSON, and
 *   `"values_hashed": true`.
 *
 * `auditLine` serialises for the issuance hot path, byte for byte `JSON.stringify(auditRecord(e,
 * time))` (apart from the random uid), without the intermediate object and without re-serialising
 * what repeats: per attributes object (immutable, and the same object for a memoized caller:
 * decision-memo.ts) the last event's fixed fields are kept serialised; an event whose fixed fields
 * are the same values (arrays: the same array) reuses them, any other is serialised afresh.
 */
import {createHash, randomUUID} from 'node:crypto'
import type {SvidIssuedEvent} from './audit.js'

export const MAX_AUDIT_AUDIENCES = 16
export const MAX_AUDIT_VALUE_CHARS = 256
export const MAX_AUDIT_LINE_BYTES = 16 * 1024
const MAX_AUDIT_FIELD_JSON_CHARS = 1024
const HASHABLE_FIELDS = ['dns_sans', 'label_selectors', 'attributes'] as const

const str = (s: string): string => JSON.stringify(s)

export function sha256Text(text: string): string {
  return 'sha256:' + createHash('sha256').update(text, 'utf8').digest('hex')
}

function boundedValue(value: string): string {
  return value.length > MAX_AUDIT_VALUE_CHARS ? sha256Text(value) : value
}

interface BoundedAudiences {
  readonly audiences: readonly string[]
  /** The number requested, when the list was cut or a value hashed. */
  readonly truncatedFrom?: number
}

const boundedCache = new WeakMap<readonly string[], BoundedAudiences>()

/** The audiences as the audit record keeps them (see the module comment). */
export function boundedAudiences(audiences: readonly string[]): BoundedAudiences {
  let bounded = boundedCache.get(audiences)
  if (bounded !== undefined) return bounded
  const kept = audiences.slice(0, MAX_AUDIT_AUDIENCES).map(boundedValue)
  const changed = kept.length < audiences.length || kept.some((a, i) => a !== audiences[i])
  bounded = changed ? {audiences: kept, truncatedFrom: audiences.length} : {audiences}
  boundedCache.set(audiences, bounded)
  return bounded
}

/** The record, with `uid` given (auditRecord in audit.ts draws a fresh one). */
export function auditRecordWithUid(e: SvidIssuedEvent, time: Date, uid: string): Record<string, unknown> {
  const record = baseRecord(e, time, uid)
  return utf8Length(JSON.stringify(record)) > MAX_AUDIT_LINE_BYTES ? hashedRecord(record) : record
}

function baseRecord(e: SvidIssuedEvent, time: Date, uid: string): Record<string, unknown> {
  const aud = e.jti !== undefined && e.audiences !== undefined ? boundedAudiences(e.audiences) : undefined
  return {
    event: 'spiffe.svid.issued', code: 'TSPIFFE000I', time: time.toISOString(), uid,
    user: e.user, svid_type: e.svidType, spiffe_id: e.spiffeId,
    ...(e.serialNumber !== undefined ? {serial_number: e.serialNumber} : {}),
    ...(e.jti !== undefined ? {jti: e.jti} : {}),
    ...(aud !== undefined ? {audiences: aud.audiences} : {}),
    ...(aud?.truncatedFrom !== undefined ? {audiences_truncated: true, audiences_count: aud.truncatedFrom} : {}),
    dns_sans: e.dnsSans ?? [],
    hint: e.hint,
    workload_identity: e.workloadIdentity,
    workload_identity_revision: e.workloadIdentityRevision,
    ...(e.nameSelector !== undefined ? {name_selector: e.nameSelector} : {}),
    ...(e.labelSelectors !== undefined ? {label_selectors: e.labelSelectors} : {}),
    attributes: e.attributes,
  }
}

function hashLongStrings(value: unknown): unknown {
  if (typeof value === 'string') return boundedValue(value)
  if (Array.isArray(value)) return value.map(hashLongStrings)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [boundedValue(k), hashLongStrings(v)]))
}

function hashedRecord(record: Record<string, unknown>): Record<string, unknown> {
  const hashed = hashLongStrings(record) as Record<string, unknown>
  for (const field of HASHABLE_FIELDS) {
    const json = hashed[field] === undefined ? undefined : JSON.stringify(hashed[field])
    if (json !== undefined && json.length > MAX_AUDIT_FIELD_JSON_CHARS) hashed[field] = sha256Text(json)
  }
  return {...hashed, values_hashed: true}
}

function utf8Length(text: string): number {
  return text.length * 3 <= MAX_AUDIT_LINE_BYTES ? text.length : Buffer.byteLength(text, 'utf8')
}

interface FixedParts {
  readonly event: SvidIssuedEvent
  /** `,"user":…,"svid_type":…,"spiffe_id":…` */
  readonly head: string
  /** From `audiences` (JWT) or `dns_sans` to the end of the line. */
  readonly tail: string
}

const lastFixed = new WeakMap<object, FixedParts>()

function sameFixedFields(a: SvidIssuedEvent, b: SvidIssuedEvent): boolean {
  return a.user === b.user && a.svidType === b.svidType && a.spiffeId === b.spiffeId && (a.jti === undefined) === (b.jti === undefined) &&
    a.audiences === b.audiences && a.dnsSans === b.dnsSans && a.hint === b.hint && a.workloadIdentity === b.workloadIdentity &&
    a.workloadIdentityRevision === b.workloadIdentityRevision && a.nameSelector === b.nameSelector && a.labelSelectors === b.labelSelectors
}

function audiencesPart(e: SvidIssuedEvent): string {
  if (e.jti === undefined || e.audiences === undefined) return ''
  const {audiences, truncatedFrom} = boundedAudiences(e.audiences)
  const part = `,"audiences":${JSON.stringify(audiences)}`
  return truncatedFrom === undefined ? part : `${part},"audiences_truncated":true,"audiences_count":${truncatedFrom}`
}

function fixedParts(e: SvidIssuedEvent): FixedParts {
  const known = lastFixed.get(e.attributes)
  if (known !== undefined && sameFixedFields(known.event, e)) return known
  const head = `,"user":${str(e.user)},"svid_type":${str(e.svidType)},"spiffe_id":${str(e.spiffeId)}`
  let tail = audiencesPart(e)
  tail += `,"dns_sans":${JSON.stringify(e.dnsSans ?? [])},"hint":${str(e.hint)},"workload_identity":${str(e.workloadIdentity)}` +
    `,"workload_identity_revision":${str(e.workloadIdentityRevision)}`
  if (e.nameSelector !== undefined) tail += `,"name_selector":${str(e.nameSelector)}`
  if (e.labelSelectors !== undefined) tail += `,"label_selectors":${JSON.stringify(e.labelSelectors)}`
  tail += `,"attributes":${JSON.stringify(e.attributes)}}`
  const parts = {event: e, head, tail}
  lastFixed.set(e.attributes, parts)
  return parts
}

/** Issuances come many per millisecond: the ISO form of the same instant is reused. */
let lastInstant = {ms: Number.NaN, iso: ''}

function isoTime(time: Date): string {
  const ms = time.getTime()
  if (ms !== lastInstant.ms) lastInstant = {ms, iso: time.toISOString()}
  return lastInstant.iso
}

/** One audit line (no newline): `JSON.stringify(auditRecord(e, time))` with a fresh uid. */
export function auditLine(e: SvidIssuedEvent, time: Date): string {
  const {head, tail} = fixedParts(e)
  const uid = randomUUID()
  let line = `{"event":"spiffe.svid.issued","code":"TSPIFFE000I","time":"${isoTime(time)}","uid":"${uid}"${head}`
  if (e.serialNumber !== undefined) line += `,"serial_number":${str(e.serialNumber)}`
  if (e.jti !== undefined) line += `,"jti":${str(e.jti)}`
  line += tail
  // Rare: a line too long even with its audiences bounded is written from the hashed record.
  return utf8Length(line) > MAX_AUDIT_LINE_BYTES ? JSON.stringify(auditRecordWithUid(e, time, uid)) : line
}

/**
 * One join attempt (Teleport's api/types/events BotJoin, `bot.join`, codes TJ001I / TJ001E in
 * lib/events/codes.go): method, token name (not for `token`, whose name is the secret), bot name
 * and join attributes; never the credential. A refused attempt carries Teleport's message.
 */
export interface BotJoinEvent {
  readonly success: boolean
  readonly method: string
  readonly tokenName?: string
  readonly botName?: string
  readonly attributes?: Readonly<Record<string, unknown>>
  readonly error?: string
}

export function botJoinLine(e: BotJoinEvent, time: Date): string {
  const record: Record<string, unknown> = {
    event: 'bot.join', code: e.success ? 'TJ001I' : 'TJ001E', time: time.toISOString(), uid: randomUUID(), success: e.success,
    method: e.method,
    ...(e.tokenName !== undefined ? {token_name: boundedValue(e.tokenName)} : {}),
    ...(e.botName !== undefined ? {bot_name: e.botName} : {}),
    ...(e.attributes !== undefined ? {attributes: e.attributes} : {}),
    ...(e.error !== undefined ? {error: e.error.slice(0, 1024)} : {}),
  }
  const line = JSON.stringify(record)
  return utf8Length(line) > MAX_AUDIT_LINE_BYTES ? JSON.stringify({...(hashLongStrings(record) as object), values_hashed: true}) : line
}

/**
 * A refused issuance decision: Teleport records none (gravitational/teleport#54249); here one
 * `spiffe.svid.issued` line with `success: false` and code TSPIFFE000E (lib/events/codes.go's
 * failure code for the event), naming the caller, the selector and the reason; never a credential.
 */
export interface SvidDeniedEvent {
  readonly svidType: 'x509' | 'jwt'
  readonly user: string
  readonly selector: Readonly<Record<string, unknown>>
  /** The caller's attested workload and join attributes, as on an issued record. */
  readonly attributes?: Readonly<Record<string, unknown>>
  readonly error: string
}

export function svidDeniedLine(e: SvidDeniedEvent, time: Date): string {
  const record = {
    event: 'spiffe.svid.issued', code: 'TSPIFFE000E', time: time.toISOString(), uid: randomUUID(), success: false,
    svid_type: e.svidType, user: e.user, ...e.selector, ...(e.attributes !== undefined ? {attributes: e.attributes} : {}), error: e.error.slice(0, 1024),
  }
  const line = JSON.stringify(record)
  return utf8Length(line) > MAX_AUDIT_LINE_BYTES ? JSON.stringify({...(hashLongStrings(record) as object), values_hashed: true}) : line
}
