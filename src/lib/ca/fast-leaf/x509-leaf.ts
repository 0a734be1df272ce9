/**
 * The leaf-certificate writer: a TBSCertificate assembled from pre-encoded pieces (issuer name,
 * signature algorithm, AKI are fixed per CA and prepared once) and signed with node:crypto `sign()`.
 * Why it is hand-written, and what it measures: index.ts.
 */
import {createHash, sign, type KeyObject} from 'node:crypto'
import {BadParameterError} from '../../errors.js'
import type {CaKeyPair} from '../ca-keypair.js'
import {OID} from '../oids.js'
import * as der from './der.js'
import {DerError, children, expectTag, readTlv, whole} from './der-reader.js'
import {randomChunk} from './random-pool.js'
import {checkedSpki, spkiFromKeyObject, spkiKeyBits} from './spki.js'

export interface PreparedIssuer {
  readonly signatureAlgorithm: Buffer
  /** The CA certificate's subject exactly as encoded: RFC 5280 §4.1.2.4 chains match names byte for byte. */
  readonly issuerName: Buffer
  readonly authorityKeyId: Buffer
}

/** The raw subject Name of a DER certificate (TBSCertificate field 6, after the optional [0] version). */
function rawSubject(certDer: Buffer): Buffer {
  const [tbs] = children(expectTag(readTlv(certDer, 0), 0x30, 'Certificate'))
  const fields = children(expectTag(tbs, 0x30, 'TBSCertificate'))
  const first = fields[0]?.tag === 0xa0 ? 1 : 0
  return Buffer.from(whole(expectTag(fields[first + 4], 0x30, 'subject')))
}

const VERSION_3 = der.explicit(0, der.unsignedInteger(2))
const NO_UNUSED_BITS = Buffer.from([0])
const CRITICAL = der.boolean(true)
const prepared = new WeakMap<CaKeyPair, PreparedIssuer>()

/** What every certificate and CRL `ca` signs repeats (cached per CA). */
export function preparedIssuer(ca: CaKeyPair): PreparedIssuer {
  let p = prepared.get(ca)
  if (p === undefined) {
    // ecdsa-with-SHA256 has absent parameters (RFC 5758 §3.2); sha256WithRSAEncryption has NULL (RFC 4055 §5).
    const signatureAlgorithm =
      ca.keyType === 'rsa-2048' ? der.sequence(der.oid(OID.sha256WithRsaEncryption), der.nullValue()) : der.sequence(der.oid(OID.ecdsaWithSha256))
    const authorityKeyId = extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicitPrimitive(0, ca.info.subjectKeyId!)))
    p = {signatureAlgorithm, issuerName: rawSubject(ca.certDer), authorityKeyId}
    prepared.set(ca, p)
  }
  return p
}

/** One Extension: `SEQUENCE { extnID, critical (only when true: DER omits the default), extnValue }`. */
export function extension(id: string, critical: boolean, value: Uint8Array | der.DerNode): Buffer {
  return der.encode(extensionNode(id, critical, value))
}

/** The same Extension as a deferred node, for per-certificate extensions on the hot path. */
export function extensionNode(id: string, critical: boolean, value: Uint8Array | der.DerNode): der.DerNode {
  const octets = der.node(der.TAG.OCTET_STRING, value)
  return critical ? der.node(der.TAG.SEQUENCE, encodedOid(id), CRITICAL, octets) : der.node(der.TAG.SEQUENCE, encodedOid(id), octets)
}

const oidCache = new Map<string, Buffer>()

/** OID encodings are few and fixed: encode each once. */
function encodedOid(id: string): Buffer {
  let encoded = oidCache.get(id)
  if (encoded === undefined) {
    encoded = der.oid(id)
    oidCache.set(id, encoded)
  }
  return encoded
}

export interface SubjectName {
  readonly commonName?: string
  readonly organization?: string | readonly string[]
  readonly organizationalUnit?: string | readonly string[]
}

function rdn(type: string, values: readonly string[]): Buffer[] {
  const present = values.filter((v) => v !== '')
  if (present.length === 0) return []
  return [der.set(...present.map((v) => der.sequence(encodedOid(type), der.utf8String(v))))]
}

function list(v: string | readonly string[] | undefined): readonly string[] {
  return v === undefined ? [] : typeof v === 'string' ? [v] : v
}

/** A Name in Go's `pkix.Name` order (O, OU, CN), one multi-valued RDN per attribute type. */
export function encodeName(name: SubjectName): Buffer {
  return der.sequence(
    ...rdn(OID.organization, list(name.organization)),
    ...rdn(OID.organizationalUnit, list(name.organizationalUnit)),
    ...rdn(OID.commonName, name.commonName === undefined ? [] : [name.commonName]),
  )
}

export const EMPTY_NAME = der.sequence()

/** A uniformly random serial in [1, 2^128) as minimal big-endian bytes, as Teleport's 128-bit serials (lib/tlsca/ca.go). */
export function randomSerial(): Buffer {
  for (;;) {
    const bytes = randomChunk(16)
    let start = 0
    while (start < bytes.length && bytes[start] === 0) start++
    if (start < bytes.length) return bytes.subarray(start)
  }
}

/** Colon-separated lowercase hex byte pairs, as Teleport reports serials. */
export function serialHex(serial: Uint8Array): string {
  let out = ''
  for (let i = 0; i < serial.length; i++) out += (i === 0 ? '' : ':') + HEX_BYTE[serial[i]!]
  return out
}

const HEX_BYTE = Array.from({length: 256}, (_, i) => i.toString(16).padStart(2, '0'))

/** A public key (KeyObject, or PKIX DER) as SPKI DER; BadParameterError if invalid (spki.ts). */
export function toSpki(publicKey: KeyObject | Uint8Array): Buffer {
  return publicKey instanceof Uint8Array ? checkedSpki(publicKey) : spkiFromKeyObject(publicKey)
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 over the subjectPublicKey bits. */
export function subjectKeyId(spki: Buffer): Buffer {
  try {
    return createHash('sha1').update(spkiKeyBits(spki)).digest()
  } catch (err) {
    if (err instanceof DerError) throw new BadParameterError('public key is not a valid PKIX DER key', {cause: err})
    throw err
  }
}

export interface LeafSpec {
  /** Canonical SPKI DER of the subject key. */
  readonly spki: Buffer
  readonly serial: Buffer
  readonly subject: Buffer
  readonly notBefore: Date
  readonly notAfter: Date
  /** Profile extensions; AKI (the CA's SKI) and SKI (of `spki`) are added here. */
  readonly extensions: readonly (Buffer | der.DerNode)[]
}

/** Build and sign one certificate under `ca`; returns its DER. */
export function signLeaf(ca: CaKeyPair, spec: LeafSpec): Buffer {
  const p = preparedIssuer(ca)
  const ski = extensionNode(OID.subjectKeyIdentifier, false, der.node(der.TAG.OCTET_STRING, subjectKeyId(spec.spki)))
  const tbs = der.encode(
    der.node(
      der.TAG.SEQUENCE,
      VERSION_3,
      der.unsignedIntegerFromBytes(spec.serial),
      p.signatureAlgorithm,
      p.issuerName,
      der.node(der.TAG.SEQUENCE, der.time(spec.notBefore), der.time(spec.notAfter)),
      spec.subject,
      spec.spki,
      der.node(0xa3, der.node(der.TAG.SEQUENCE, ...spec.extensions, ski, p.authorityKeyId)),
    ),
  )
  return signedByCa(ca, tbs)
}

/** `SEQUENCE { tbs, signatureAlgorithm, signatureValue }`: a Certificate (RFC 5280 §4.1) or a CertificateList (§5.1). */
export function signedByCa(ca: CaKeyPair, tbs: Buffer): Buffer {
  const signature = sign('sha256', tbs, ca.privateKey)
  return der.encode(der.node(der.TAG.SEQUENCE, tbs, preparedIssuer(ca).signatureAlgorithm, der.node(der.TAG.BIT_STRING, NO_UNUSED_BITS, signature)))
}

/** Truncate to whole seconds: what a certificate can encode, so callers report the encoded value. */
export function wholeSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000)
}
