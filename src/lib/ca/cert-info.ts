/**
 * The fields of an X.509 certificate that SVID validation needs and node's X509Certificate does not
 * expose as values: keyUsage bits, basicConstraints, raw issuer/subject names (Go matches parents by
 * raw bytes), SKI/AKI, SAN lists. Parsed once from DER; invalid DER throws DerError.
 */
import {
  DerError,
  children,
  contents,
  decodeBoolean,
  decodeInteger,
  decodeNamedBits,
  decodeOid,
  decodeTime,
  expectTag,
  readTlv,
  whole,
  type Tlv,
} from './der-reader.js'
import {OID} from './oids.js'

export interface CertExtension {
  readonly oid: string
  readonly critical: boolean
  /** The extnValue OCTET STRING's contents. */
  readonly value: Buffer
}

export interface NameInfo {
  readonly commonName?: string
  readonly organization: readonly string[]
  readonly organizationalUnit: readonly string[]
}

export interface CertInfo {
  readonly der: Buffer
  readonly tbs: Buffer
  readonly version: number
  readonly serial: bigint
  readonly signatureAlgorithm: string
  readonly rawIssuer: Buffer
  readonly rawSubject: Buffer
  readonly subject: NameInfo
  readonly notBefore: Date
  readonly notAfter: Date
  readonly spki: Buffer
  readonly extensions: readonly CertExtension[]
  readonly basicConstraintsValid: boolean
  readonly isCA: boolean
  /** -1 when absent (Go's MaxPathLen convention). */
  readonly maxPathLen: number
  /** Go `x509.KeyUsage` bits; 0 when the extension is absent. */
  readonly keyUsage: number
  readonly extKeyUsage: readonly string[]
  readonly uris: readonly string[]
  readonly dnsNames: readonly string[]
  readonly ipAddresses: readonly string[]
  readonly subjectKeyId?: Buffer
  readonly authorityKeyId?: Buffer
}

const STRING_TAGS = new Set([0x0c, 0x13, 0x16, 0x14, 0x1e])

function decodeString(t: Tlv): string {
  if (!STRING_TAGS.has(t.tag)) throw new DerError('unsupported string type')
  const body = contents(t)
  if (t.tag === 0x1e) {
    if (body.length % 2 !== 0) throw new DerError('bad BMPString')
    return Buffer.from(body).swap16().toString('utf16le')
  }
  return body.toString(t.tag === 0x0c ? 'utf8' : 'latin1')
}

/** The attributes of a Name we report (CN, O, OU); other attributes are kept only in the raw bytes. */
export function parseName(nameTlv: Tlv): NameInfo {
  let commonName: string | undefined
  const organization: string[] = []
  const organizationalUnit: string[] = []
  for (const rdn of children(nameTlv)) {
    for (const attribute of children(expectTag(rdn, 0x31, 'RDN SET'))) {
      const [type, value] = children(expectTag(attribute, 0x30, 'AttributeTypeAndValue'))
      const typeOid = decodeOid(expectTag(type, 0x06, 'attribute type'))
      if (value === undefined) throw new DerError('missing attribute value')
      if (typeOid === OID.commonName) commonName = decodeString(value)
      else if (typeOid === OID.organization) organization.push(decodeString(value))
      else if (typeOid === OID.organizationalUnit) organizationalUnit.push(decodeString(value))
    }
  }
  return commonName === undefined ? {organization, organizationalUnit} : {commonName, organization, organizationalUnit}
}

function formatIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.')
  if (bytes.length !== 16) throw new DerError('bad iPAddress')
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16))
  const text = groups.join(':')
  const runs = text.match(/(^|:)0(:0)+(:|$)/g)
  if (runs === null) return text
  const longest = runs.reduce((a, b) => (b.length > a.length ? b : a))
  return text.replace(longest, '::')
}

interface SanLists {
  uris: string[]
  dnsNames: string[]
  ipAddresses: string[]
}

function parseSan(value: Buffer, into: SanLists): void {
  const seq = expectTag(readTlv(value, 0), 0x30, 'GeneralNames')
  for (const name of children(seq)) {
    const body = contents(name)
    if (name.tag === 0x82) into.dnsNames.push(body.toString('ascii'))
    else if (name.tag === 0x86) into.uris.push(body.toString('ascii'))
    else if (name.tag === 0x87) into.ipAddresses.push(formatIp(body))
  }
}

function parseExtensions(extsTlv: Tlv | undefined): CertExtension[] {
  if (extsTlv === undefined) return []
  const seq = expectTag(children(extsTlv)[0], 0x30, 'Extensions')
  const seen = new Set<string>()
  return children(seq).map((ext) => {
    const parts = children(expectTag(ext, 0x30, 'Extension'))
    const extnId = decodeOid(expectTag(parts[0], 0x06, 'extnID'))
    if (seen.has(extnId)) throw new DerError('certificate contains duplicate extensions')
    seen.add(extnId)
    const critical = parts.length === 3 ? decodeBoolean(expectTag(parts[1], 0x01, 'critical')) : false
    const value = contents(expectTag(parts[parts.length - 1], 0x04, 'extnValue'))
    return {oid: extnId, critical, value}
  })
}

interface ExtensionFacts extends SanLists {
  basicConstraintsValid: boolean
  isCA: boolean
  maxPathLen: number
  keyUsage: number
  extKeyUsage: string[]
  subjectKeyId?: Buffer
  authorityKeyId?: Buffer
}

function interpretExtensions(extensions: readonly CertExtension[]): ExtensionFacts {
  const facts: ExtensionFacts = {
    uris: [], dnsNames: [], ipAddresses: [], basicConstraintsValid: false, isCA: false, maxPathLen: -1, keyUsage: 0, extKeyUsage: [],
  }
  for (const ext of extensions) {
    const top = () => readTlv(ext.value, 0)
    switch (ext.oid) {
      case OID.subjectAltName:
        parseSan(ext.value, facts)
        break
      case OID.basicConstraints: {
        facts.basicConstraintsValid = true
        for (const part of children(expectTag(top(), 0x30, 'BasicConstraints'))) {
          if (part.tag === 0x01) facts.isCA = decodeBoolean(part)
          else if (part.tag === 0x02) facts.maxPathLen = Number(decodeInteger(part))
        }
        break
      }
      case OID.keyUsage:
        facts.keyUsage = decodeNamedBits(expectTag(top(), 0x03, 'KeyUsage'))
        break
      case OID.extKeyUsage:
        facts.extKeyUsage = children(expectTag(top(), 0x30, 'ExtKeyUsage')).map(decodeOid)
        break
      case OID.subjectKeyIdentifier:
        facts.subjectKeyId = Buffer.from(contents(expectTag(top(), 0x04, 'SubjectKeyIdentifier')))
        break
      case OID.authorityKeyIdentifier: {
        const keyId = children(expectTag(top(), 0x30, 'AuthorityKeyIdentifier')).find((p) => p.tag === 0x80)
        if (keyId !== undefined) facts.authorityKeyId = Buffer.from(contents(keyId))
        break
      }
    }
  }
  return facts
}

/** Parse a DER certificate. Throws DerError on anything malformed or trailing. */
export function parseCertInfo(der: Buffer): CertInfo {
  const cert = expectTag(readTlv(der, 0), 0x30, 'Certificate')
  if (cert.end !== der.length) throw new DerError('trailing data')
  const [tbs, sigAlg, sig] = children(cert)
  expectTag(sig, 0x03, 'signature')
  const fields = children(expectTag(tbs, 0x30, 'TBSCertificate'))
  let i = 0
  let version = 1
  if (fields[0]?.tag === 0xa0) {
    version = Number(decodeInteger(expectTag(children(fields[0])[0], 0x02, 'version'))) + 1
    i = 1
  }
  const serial = decodeInteger(expectTag(fields[i], 0x02, 'serialNumber'))
  expectTag(fields[i + 1], 0x30, 'signature AlgorithmIdentifier')
  const issuer = expectTag(fields[i + 2], 0x30, 'issuer')
  const validity = children(expectTag(fields[i + 3], 0x30, 'validity'))
  const subject = expectTag(fields[i + 4], 0x30, 'subject')
  const spki = expectTag(fields[i + 5], 0x30, 'subjectPublicKeyInfo')
  const extensions = parseExtensions(fields.slice(i + 6).find((f) => f.tag === 0xa3))
  const facts = interpretExtensions(extensions)
  return {
    der,
    tbs: whole(tbs!),
    version,
    serial,
    signatureAlgorithm: decodeOid(expectTag(children(expectTag(sigAlg, 0x30, 'signatureAlgorithm'))[0], 0x06, 'algorithm')),
    rawIssuer: whole(issuer),
    rawSubject: whole(subject),
    subject: parseName(subject),
    notBefore: decodeTime(validity[0]!),
    notAfter: decodeTime(validity[1]!),
    spki: whole(spki),
    extensions,
    ...facts,
  }
}

/** The subjectPublicKey BIT STRING's key bytes inside an SPKI (what RFC 5280 §4.2.1.2 hashes for a SKI). */
export function spkiKeyBits(spki: Buffer): Buffer {
  const [, keyBits] = children(expectTag(readTlv(spki, 0), 0x30, 'SubjectPublicKeyInfo'))
  return contents(expectTag(keyBits, 0x03, 'subjectPublicKey')).subarray(1)
}
