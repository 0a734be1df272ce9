/**
 * The audit line of audit.ts's `auditRecord`, serialised for the issuance hot path: byte for byte
 * `JSON.stringify(auditRecord(e, time))`, without the intermediate object and without re-serialising
 * what repeats. Per attributes object (immutable, and the same object for a memoized caller:
 * decision-memo.ts) the last event's fixed fields are kept serialised; an event whose fixed fields
 * are the same values (arrays: the same array) reuses them, any other is serialised afresh.
 */
import {randomUUID} from 'node:crypto'
import type {SvidIssuedEvent} from './audit.js'

const str = (s: string): string => JSON.stringify(s)

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

function fixedParts(e: SvidIssuedEvent): FixedParts {
  const known = lastFixed.get(e.attributes)
  if (known !== undefined && sameFixedFields(known.event, e)) return known
  const head = `,"user":${str(e.user)},"svid_type":${str(e.svidType)},"spiffe_id":${str(e.spiffeId)}`
  let tail = e.jti !== undefined && e.audiences !== undefined ? `,"audiences":${JSON.stringify(e.audiences)}` : ''
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
  let line = `{"event":"spiffe.svid.issued","code":"TSPIFFE000I","time":"${isoTime(time)}","uid":"${randomUUID()}"${head}`
  if (e.serialNumber !== undefined) line += `,"serial_number":${str(e.serialNumber)}`
  if (e.jti !== undefined) line += `,"jti":${str(e.jti)}`
  return line + tail
}
