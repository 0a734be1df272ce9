/**
 * The fields of an X.509 certificate that CA handling and SVID validation need, read with
 * @peculiar/x509: SANs, key usage, extended key usage, basic constraints, SKI/AKI, validity, serial,
 * subject attributes. Node's X509Certificate still holds the certificate (signature checks, public
 * key, the public API); these are what it does not expose as values.
 */
import {X509Certificate} from 'node:crypto'
import {readCertFieldsDer} from './fast-leaf/cert-reader.js'
import {x509Library} from './x509-library.js'

export type LibraryCertificate = InstanceType<ReturnType<typeof x509Library>['X509Certificate']>

export interface NameFields {
  readonly commonName?: string
  readonly organization: readonly string[]
  readonly organizationalUnit: readonly string[]
}

export interface CertExtension {
  readonly oid: string
  readonly critical: boolean
  /** The extnValue OCTET STRING's contents. */
  readonly value: Buffer
}

export interface CertFields {
  readonly serial: bigint
  readonly notBefore: Date
  readonly notAfter: Date
  readonly subject: NameFields
  readonly extensions: readonly CertExtension[]
  /** A basicConstraints extension is present (RFC 5280 §4.2.1.9). */
  readonly basicConstraintsValid: boolean
  readonly isCA: boolean
  /** basicConstraints pathLenConstraint, when set. */
  readonly maxPathLen?: number
  /** keyUsage bits, bit i of the ASN.1 BIT STRING as `1 << i` (the KEY_USAGE numbering); 0 when absent. */
  readonly keyUsage: number
  readonly extKeyUsage: readonly string[]
  readonly uris: readonly string[]
  readonly dnsNames: readonly string[]
  readonly ipAddresses: readonly string[]
  readonly subjectKeyId?: Buffer
  readonly authorityKeyId?: Buffer
}

/** A certificate parsed by both libraries, with its fields. */
export interface ReadCertificate {
  readonly cert: X509Certificate
  readonly library: LibraryCertificate
  readonly fields: CertFields
}

const cache = new WeakMap<X509Certificate, ReadCertificate>()

function nameFields(cert: LibraryCertificate): NameFields {
  const name = cert.subjectName
  const commonName = name.getField('CN')[0]
  const fields = {organization: name.getField('O'), organizationalUnit: name.getField('OU')}
  return commonName === undefined ? fields : {commonName, ...fields}
}

function sanLists(cert: LibraryCertificate): {uris: string[]; dnsNames: string[]; ipAddresses: string[]} {
  const lib = x509Library()
  const out = {uris: [] as string[], dnsNames: [] as string[], ipAddresses: [] as string[]}
  for (const name of cert.getExtension(lib.SubjectAlternativeNameExtension)?.names.items ?? []) {
    if (name.type === 'url') out.uris.push(name.value)
    else if (name.type === 'dns') out.dnsNames.push(name.value)
    else if (name.type === 'ip') out.ipAddresses.push(name.value)
  }
  return out
}

function readFields(cert: LibraryCertificate): CertFields {
  const lib = x509Library()
  const extensions = Array.from(cert.extensions, (e) => ({oid: e.type, critical: e.critical, value: Buffer.from(e.value)}))
  // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
  if (new Set(extensions.map((e) => e.oid)).size !== extensions.length) throw new Error('certificate contains duplicate extensions')
  const bc = cert.getExtension(lib.BasicConstraintsExtension)
  const ski = cert.getExtension(lib.SubjectKeyIdentifierExtension)?.keyId
  const aki = cert.getExtension(lib.AuthorityKeyIdentifierExtension)?.keyId
  return {
    serial: BigInt('0x' + cert.serialNumber),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    subject: nameFields(cert),
    extensions,
    basicConstraintsValid: bc !== null,
    isCA: bc?.ca ?? false,
    ...(bc?.pathLength === undefined ? {} : {maxPathLen: bc.pathLength}),
    keyUsage: cert.getExtension(lib.KeyUsagesExtension)?.usages ?? 0,
    extKeyUsage: Array.from(cert.getExtension(lib.ExtendedKeyUsageExtension)?.usages ?? [], String),
    ...sanLists(cert),
    ...(ski === undefined ? {} : {subjectKeyId: Buffer.from(ski, 'hex')}),
    ...(aki === undefined ? {} : {authorityKeyId: Buffer.from(aki, 'hex')}),
  }
}

function read(cert: X509Certificate, library: LibraryCertificate): ReadCertificate {
  const entry = {cert, library, fields: readFields(library)}
  cache.set(cert, entry)
  return entry
}

/**
 * Read a certificate (DER or node X509Certificate) with both libraries: @peculiar/x509 reads the
 * fields (and gives the clearer reason for malformed DER), node holds the certificate. Cached per
 * X509Certificate object. Throws the libraries' errors; callers add their own context.
 */
export function readCertificate(input: X509Certificate | Uint8Array): ReadCertificate {
  const LibraryX509 = x509Library().X509Certificate
  if (input instanceof X509Certificate) return cache.get(input) ?? read(input, new LibraryX509(input.raw))
  const der = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  const library = new LibraryX509(der)
  const cert = new X509Certificate(der)
  // Node reads the first certificate of a longer buffer (or PEM text): one DER certificate exactly.
  if (!cert.raw.equals(der)) throw new Error('data after the certificate')
  return read(cert, library)
}

/** The fields of a certificate (see readCertificate). */
export function certFields(input: X509Certificate | Uint8Array): CertFields {
  return readCertificate(input).fields
}

/**
 * The fields of a certificate this cluster's CA wrote (its CA certificates, the bot and client
 * certificates it checks), read by the hand-written reader (fast-leaf/cert-reader.ts), which keeps
 * @peculiar/x509 unloaded in an idle tbot. A certificate that reader does not understand goes to
 * certFields, whose errors (the library's words) are the ones reported.
 */
export function issuedCertFields(der: Buffer): CertFields {
  try {
    return readCertFieldsDer(der)
  } catch {
    return certFields(der)
  }
}

/** issuedCertFields with node's view of the certificate. */
export function readIssuedCertificate(der: Buffer): {readonly cert: X509Certificate; readonly fields: CertFields} {
  const fields = issuedCertFields(der)
  return {cert: new X509Certificate(der), fields}
}
