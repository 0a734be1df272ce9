/**
 * Short-lived client certificates for bots and admins (mutual TLS to the server), signed by the
 * cluster's bot CA. The identity format, modelled on Teleport's TLS identities:
 *
 *   subject CN = the user name (`bot-<name>` for bots, e.g. `bot-my-bot`; the admin's name otherwise)
 *   subject O  = the user's roles, one value each (Teleport carries roles the same way)
 *   extension 1.3.9999.4242.1 (non-critical) = the bot name as a UTF8String, present only for bots
 *   extension 1.3.9999.4242.2 (non-critical) = the bot's join attributes (Teleport's join_attrs.proto
 *     field names) as JSON in a UTF8String, present only for bots; they stay with the identity until
 *     the bot joins again (renewal copies them), as Teleport carries them in its TLS identity
 *     (lib/tlsca/ca.go JoinAttributes)
 *   KU digitalSignature|keyEncipherment (critical), EKU clientAuth, basicConstraints CA=false, no SANs.
 *
 * `parseClientIdentity` reads the same fields back from a verified peer certificate.
 */
import type {KeyObject} from 'node:crypto'
import type {JoinAttrs} from '../authz/attributes.js'
import {BadParameterError} from '../errors.js'
import type {CaKeyPair} from './ca-keypair.js'
import {issuedCertFields, type CertFields} from './cert-fields.js'
import * as der from './fast-leaf/der.js'
import {encodeName, extension, randomSerial, signLeaf, toSpki} from './fast-leaf/x509-leaf.js'
import {OID} from './oids.js'
import {BC_NOT_CA, EKU_CLIENT, KU_TLS, issued, validity, type IssuedCert} from './profiles.js'

export interface ClientIdentity {
  readonly userName: string
  readonly roles: readonly string[]
  /** Set for bot identities only. */
  readonly botName?: string
  /** How the bot joined (bot identities only). */
  readonly joinAttrs?: JoinAttrs
}

/** Under the same private arc as the bot-name extension (oids.ts svidkitBotName). */
export const JOIN_ATTRS_OID = '1.3.9999.4242.2'

export interface ClientCertParams extends ClientIdentity {
  readonly ca: CaKeyPair
  readonly publicKey: KeyObject | Uint8Array
  readonly ttlMs: number
  readonly now: () => Date
}

export function issueClientCert(p: ClientCertParams): IssuedCert {
  if (p.userName === '') throw new BadParameterError('a client certificate needs a user name')
  if (p.roles.some((r) => r === '')) throw new BadParameterError('role names cannot be empty')
  const times = validity(p.now, p.ttlMs)
  const serial = randomSerial()
  const extensions = [KU_TLS, EKU_CLIENT, BC_NOT_CA]
  if (p.botName !== undefined && p.botName !== '') extensions.push(extension(OID.svidkitBotName, false, der.utf8String(p.botName)))
  if (p.joinAttrs !== undefined) extensions.push(extension(JOIN_ATTRS_OID, false, der.utf8String(JSON.stringify(p.joinAttrs))))
  const cert = signLeaf(p.ca, {
    spki: toSpki(p.publicKey),
    serial,
    subject: encodeName({commonName: p.userName, organization: p.roles}),
    ...times,
    extensions,
  })
  return issued(cert, serial, times)
}

/** The bot-name extension's UTF8String (short form: names are far below 128 bytes, and we wrote it). */
function utf8StringValue(value: Buffer): string {
  if (value.length < 2 || value[0] !== 0x0c || value[1]! >= 0x80 || value[1] !== value.length - 2) {
    throw new Error('the bot name extension is not a short UTF8String')
  }
  return value.subarray(2).toString('utf8')
}

/** A UTF8String of any DER length (the join attributes run past 127 bytes). */
function longUtf8StringValue(value: Buffer): string {
  if (value.length < 2 || value[0] !== 0x0c) throw new Error('the join attributes extension is not a UTF8String')
  const first = value[1]!
  const lengthBytes = first < 0x80 ? 0 : first & 0x7f
  const length = lengthBytes === 0 ? first : value.subarray(2, 2 + lengthBytes).reduce((n, b) => n * 256 + b, 0)
  if (lengthBytes > 3 || 2 + lengthBytes + length !== value.length) throw new Error('the join attributes extension has a bad length')
  return value.subarray(2 + lengthBytes).toString('utf8')
}

function joinAttrsValue(value: Buffer): JoinAttrs {
  const parsed = JSON.parse(longUtf8StringValue(value)) as unknown
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the join attributes extension is not a JSON object')
  return parsed as JoinAttrs
}

/**
 * The identity in a client certificate (DER or its fields). The caller must have verified the chain
 * first (TLS did, with the bot CA as the only client CA); this only reads fields.
 */
export function parseClientIdentity(cert: Buffer | CertFields): ClientIdentity {
  let fields: CertFields
  let botName: string | undefined
  let joinAttrs: JoinAttrs | undefined
  try {
    fields = Buffer.isBuffer(cert) ? issuedCertFields(cert) : cert
    const ext = fields.extensions.find((e) => e.oid === OID.svidkitBotName)
    if (ext !== undefined) botName = utf8StringValue(ext.value)
    const attrsExt = fields.extensions.find((e) => e.oid === JOIN_ATTRS_OID)
    if (attrsExt !== undefined) joinAttrs = joinAttrsValue(attrsExt.value)
  } catch (err) {
    throw new BadParameterError(`malformed client certificate: ${(err as Error).message}`, {cause: err})
  }
  const userName = fields.subject.commonName
  if (userName === undefined || userName === '') throw new BadParameterError('client certificate has no user name (subject CN)')
  const identity = {userName, roles: fields.subject.organization}
  if (botName === undefined) return identity
  return joinAttrs === undefined ? {...identity, botName} : {...identity, botName, joinAttrs}
}
