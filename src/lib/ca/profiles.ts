/**
 * Issuance profiles on the fast leaf path (fast-leaf/): the X.509-SVID exactly as Teleport issues it
 * (lib/auth/machineid/workloadidentityv1/issuer_service.go) and the server's TLS certificate. No policy here (TTL caps, RBAC): the caller has
 * decided; these only encode.
 */
import {type KeyObject} from 'node:crypto'
import {isIP} from 'node:net'
import {BadParameterError} from '../errors.js'
import {SpiffeId} from '../spiffe/id.js'
import type {CaKeyPair} from './ca-keypair.js'
import * as der from './fast-leaf/der.js'
import {KEY_USAGE_BIT, OID} from './oids.js'
import {EMPTY_NAME, encodeName, extension, extensionNode, randomSerial, serialHex, signLeaf, toSpki, wholeSeconds, type SubjectName} from './fast-leaf/x509-leaf.js'

export interface IssuedCert {
  readonly der: Buffer
  readonly serial: bigint
  /** Colon-separated lowercase hex byte pairs (`3f:a0:…`), as Teleport reports it. */
  readonly serialHex: string
  readonly notBefore: Date
  readonly notAfter: Date
}

export interface X509SvidParams {
  readonly ca: CaKeyPair
  /** The workload's public key: a KeyObject or PKIX (SubjectPublicKeyInfo) DER, as tbot sends it. */
  readonly publicKey: KeyObject | Uint8Array
  readonly spiffeId: string | SpiffeId
  readonly dnsSans?: readonly string[]
  /** From the workload identity's `subject_template`; absent or all-empty gives an empty subject. */
  readonly subject?: SubjectName
  readonly ttlMs: number
  readonly now: () => Date
}

/** NotBefore = now−1m (clock skew), NotAfter = now+TTL, as Teleport's issuer service sets them. */
export const BACKDATE_MS = 60_000

const KU_SVID = extension(
  OID.keyUsage,
  true,
  der.namedBits([KEY_USAGE_BIT.digitalSignature, KEY_USAGE_BIT.keyEncipherment, KEY_USAGE_BIT.keyAgreement]),
)
export const KU_TLS = extension(OID.keyUsage, true, der.namedBits([KEY_USAGE_BIT.digitalSignature, KEY_USAGE_BIT.keyEncipherment]))
const EKU_SERVER_CLIENT = extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth), der.oid(OID.clientAuth)))
const EKU_SERVER = extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth)))
export const EKU_CLIENT = extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.clientAuth)))
/** cA=false is the DEFAULT, so DER encodes an empty SEQUENCE; critical per RFC 5280 §4.2.1.9 practice. */
export const BC_NOT_CA = extension(OID.basicConstraints, true, der.sequence())

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new BadParameterError(`ttl must be positive, got ${ttlMs} ms`)
}

function checkIa5(kind: string, value: string): void {
  if (value === '' || !/^[\x21-\x7e]+$/.test(value)) throw new BadParameterError(`invalid ${kind} SAN ${JSON.stringify(value)}`)
}

/** Validity from the clock: whole seconds, backdated a minute. */
export function validity(now: () => Date, ttlMs: number): {notBefore: Date; notAfter: Date} {
  checkTtl(ttlMs)
  const t = now().getTime()
  return {notBefore: wholeSeconds(t - BACKDATE_MS), notAfter: wholeSeconds(t + ttlMs)}
}

function isEmptySubject(s: SubjectName | undefined): boolean {
  if (s === undefined) return true
  const values = [s.commonName ?? '', ...[s.organization ?? []].flat(), ...[s.organizationalUnit ?? []].flat()]
  return values.every((v) => v === '')
}

export function issued(derBytes: Buffer, serial: Buffer, times: {notBefore: Date; notAfter: Date}): IssuedCert {
  return {der: derBytes, serial: BigInt('0x' + serial.toString('hex')), serialHex: serialHex(serial), notBefore: times.notBefore, notAfter: times.notAfter}
}

/**
 * An X.509-SVID with Teleport's profile: one URI SAN plus DNS SANs (critical when the subject is
 * empty, RFC 5280 §4.1.2.6), KU digitalSignature|keyEncipherment|keyAgreement (critical), EKU
 * serverAuth+clientAuth, basicConstraints CA=false (critical), AKI = CA SKI, SKI of the leaf key,
 * random 128-bit serial, signature algorithm from the CA key.
 */
export function issueX509Svid(p: X509SvidParams): IssuedCert {
  const id = typeof p.spiffeId === 'string' ? SpiffeId.parse(p.spiffeId) : p.spiffeId
  if (id.isRoot()) throw new BadParameterError(`SPIFFE ID ${id.toString()} has no path: an SVID needs a workload path`)
  const dnsSans = p.dnsSans ?? []
  for (const dns of dnsSans) checkIa5('DNS', dns)
  const times = validity(p.now, p.ttlMs)
  const emptySubject = isEmptySubject(p.subject)
  const san = der.node(
    der.TAG.SEQUENCE,
    der.node(0x86, Buffer.from(id.toString(), 'ascii')),
    ...dnsSans.map((d) => der.node(0x82, Buffer.from(d, 'ascii'))),
  )
  const serial = randomSerial()
  const cert = signLeaf(p.ca, {
    spki: toSpki(p.publicKey),
    serial,
    subject: emptySubject ? EMPTY_NAME : encodeName(p.subject!),
    ...times,
    extensions: [KU_SVID, EKU_SERVER_CLIENT, BC_NOT_CA, extensionNode(OID.subjectAltName, emptySubject, san)],
  })
  return issued(cert, serial, times)
}

export interface ServerCertParams {
  readonly ca: CaKeyPair
  readonly publicKey: KeyObject | Uint8Array
  /** DNS names and IP addresses the server answers on; the first is also the subject CN. */
  readonly hosts: readonly string[]
  readonly ttlMs: number
  readonly now: () => Date
}

/** IPv4 or IPv6 text to its 4 or 16 network-order bytes. */
export function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number))
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip)
  const text = v4Tail === null ? ip : ip.slice(0, -v4Tail[1]!.length) + '0:0'
  const [head = '', tail] = text.split('::') as [string, string | undefined]
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)))
  const h = groups(head)
  const t = tail === undefined ? [] : groups(tail)
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t]
  const out = Buffer.alloc(16)
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2))
  if (v4Tail !== null) Buffer.from(v4Tail[1]!.split('.').map(Number)).copy(out, 12)
  return out
}

/** The server's TLS certificate: DNS/IP SANs, KU digitalSignature|keyEncipherment, EKU serverAuth. */
export function issueServerCert(p: ServerCertParams): IssuedCert {
  if (p.hosts.length === 0) throw new BadParameterError('a server certificate needs at least one host name or IP address')
  const names = p.hosts.map((h) => {
    if (isIP(h) !== 0) return der.implicitPrimitive(7, ipBytes(h))
    checkIa5('DNS', h)
    return der.implicitPrimitive(2, Buffer.from(h, 'ascii'))
  })
  const times = validity(p.now, p.ttlMs)
  const serial = randomSerial()
  const cert = signLeaf(p.ca, {
    spki: toSpki(p.publicKey),
    serial,
    subject: encodeName({commonName: p.hosts[0]!}),
    ...times,
    extensions: [KU_TLS, EKU_SERVER, BC_NOT_CA, extension(OID.subjectAltName, false, der.sequence(...names))],
  })
  return issued(cert, serial, times)
}
