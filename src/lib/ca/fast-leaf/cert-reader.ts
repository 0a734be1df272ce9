/**
 * CertFields (../cert-fields.ts) read straight from DER, for the certificates this cluster's CA
 * wrote: its own CA certificates (read at every start) and the bot certificates the local backend
 * checks on every call. Reading them with @peculiar/x509 loads its ~200 modules (~13 MB of RSS) into
 * an otherwise idle tbot. Only the shapes we write are understood: anything else (another string
 * type, name form, time form) throws DerError and ../cert-fields.ts `readIssuedCertificate` reads
 * the certificate with the library instead. test/unit/ca/cert-reader.test.ts checks both agree.
 */
import type {CertExtension, CertFields, NameFields} from '../cert-fields.js'
import {OID} from '../oids.js'
import {DerError, children, contents, expectTag, readTlv, type Tlv} from './der-reader.js'

/** Dotted form of an OBJECT IDENTIFIER's contents (X.690 §8.19). */
function oidString(t: Tlv): string {
  const bytes = contents(expectTag(t, 0x06, 'OBJECT IDENTIFIER'))
  const arcs: number[] = []
  let value = 0
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f)
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError('OID arc too large')
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80)
      else arcs.push(value)
      value = 0
    }
  }
  if (bytes.length === 0 || (bytes[bytes.length - 1]! & 0x80) !== 0) throw new DerError('truncated OID')
  return arcs.join('.')
}

/** UTCTime or GeneralizedTime in the DER form RFC 5280 §4.1.2.5 prescribes (whole seconds, `Z`). */
function timeValue(t: Tlv | undefined): Date {
  if (t === undefined) throw new DerError('expected Time')
  const text = contents(t).toString('latin1')
  const m = t.tag === 0x17 ? /^(\d{2})(\d{10})Z$/.exec(text) : t.tag === 0x18 ? /^(\d{4})(\d{10})Z$/.exec(text) : null
  if (m === null) throw new DerError('unsupported time')
  const year = m[1]!.length === 2 ? (Number(m[1]) < 50 ? 2000 : 1900) + Number(m[1]) : Number(m[1])
  const [mo, d, h, mi, s] = m[2]!.match(/\d{2}/g)!.map(Number) as [number, number, number, number, number]
  return new Date(Date.UTC(year, mo - 1, d, h, mi, s))
}

const STRING_TAGS = new Map([[0x0c, 'utf8'], [0x13, 'latin1'], [0x16, 'latin1']] as const)

function stringValue(t: Tlv): string {
  const encoding = STRING_TAGS.get(t.tag as 0x0c)
  if (encoding === undefined) throw new DerError('unsupported string type')
  return contents(t).toString(encoding)
}

/** CN, O and OU of a Name (RFC 5280 §4.1.2.4), each in encoding order. */
function nameFields(name: Tlv): NameFields {
  const found: Record<string, string[]> = {[OID.commonName]: [], [OID.organization]: [], [OID.organizationalUnit]: []}
  for (const rdn of children(expectTag(name, 0x30, 'Name'))) {
    for (const atv of children(expectTag(rdn, 0x31, 'RelativeDistinguishedName'))) {
      const [type, value] = children(expectTag(atv, 0x30, 'AttributeTypeAndValue'))
      if (type === undefined || value === undefined) throw new DerError('expected AttributeTypeAndValue')
      found[oidString(type)]?.push(stringValue(value))
    }
  }
  const commonName = found[OID.commonName]![0]
  const fields = {organization: found[OID.organization]!, organizationalUnit: found[OID.organizationalUnit]!}
  return commonName === undefined ? fields : {commonName, ...fields}
}

function extensionList(tbsFields: readonly Tlv[]): CertExtension[] {
  const wrapper = tbsFields.find((f) => f.tag === 0xa3)
  if (wrapper === undefined) return []
  const [list] = children(wrapper)
  return children(expectTag(list, 0x30, 'Extensions')).map((ext) => {
    const parts = children(expectTag(ext, 0x30, 'Extension'))
    const critical = parts.length === 3 && contents(expectTag(parts[1], 0x01, 'critical'))[0] !== 0
    return {oid: oidString(parts[0]!), critical, value: Buffer.from(contents(expectTag(parts[parts.length - 1], 0x04, 'extnValue')))}
  })
}

type ExtensionFields = Pick<CertFields, 'basicConstraintsValid' | 'isCA' | 'maxPathLen' | 'keyUsage' | 'extKeyUsage' | 'uris' | 'dnsNames' | 'ipAddresses' | 'subjectKeyId' | 'authorityKeyId'>

function top(value: Buffer): Tlv {
  const t = readTlv(value, 0)
  if (t.end !== value.length) throw new DerError('data after the extension value')
  return t
}

/** keyUsage as Go numbers it: bit i of the BIT STRING is `1 << i` (../oids.ts KEY_USAGE). */
function keyUsageBits(value: Buffer): number {
  const bits = contents(expectTag(top(value), 0x03, 'KeyUsage'))
  let usage = 0
  for (let i = 0; i < (bits.length - 1) * 8 - bits[0]!; i++) if (bits[1 + (i >> 3)]! & (0x80 >> (i & 7))) usage |= 1 << i
  return usage
}

/** RFC 5952 text (the longest run of two or more zero groups as `::`), as the library writes IPv6. */
function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return Array.from(bytes).join('.')
  if (bytes.length !== 16) throw new DerError('unsupported IP address length')
  const groups = Array.from({length: 8}, (_, i) => bytes.readUInt16BE(i * 2).toString(16))
  let best = {start: -1, length: 1}
  for (let i = 0; i < 8; i++) {
    let n = 0
    while (i + n < 8 && groups[i + n] === '0') n++
    if (n > best.length) best = {start: i, length: n}
  }
  if (best.start < 0) return groups.join(':')
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`
}

function readSans(value: Buffer, out: {uris: string[]; dnsNames: string[]; ipAddresses: string[]}): void {
  for (const name of children(expectTag(top(value), 0x30, 'GeneralNames'))) {
    if (name.tag === 0x86) out.uris.push(contents(name).toString('latin1'))
    else if (name.tag === 0x82) out.dnsNames.push(contents(name).toString('latin1'))
    else if (name.tag === 0x87) out.ipAddresses.push(ipText(contents(name)))
    else if (name.tag !== 0x81) throw new DerError('unsupported GeneralName')
  }
}

function extensionFields(extensions: readonly CertExtension[]): ExtensionFields {
  const sans = {uris: [] as string[], dnsNames: [] as string[], ipAddresses: [] as string[]}
  let fields: Omit<ExtensionFields, 'uris' | 'dnsNames' | 'ipAddresses'> = {basicConstraintsValid: false, isCA: false, keyUsage: 0, extKeyUsage: []}
  for (const {oid, value} of extensions) {
    if (oid === OID.basicConstraints) {
      const [ca, pathLen] = children(expectTag(top(value), 0x30, 'BasicConstraints'))
      const isCA = ca?.tag === 0x01 && contents(ca)[0] !== 0
      const lengthTlv = ca?.tag === 0x02 ? ca : pathLen
      const maxPathLen = lengthTlv === undefined ? undefined : Number(BigInt('0x' + contents(expectTag(lengthTlv, 0x02, 'pathLenConstraint')).toString('hex')))
      fields = {...fields, basicConstraintsValid: true, isCA, ...(maxPathLen === undefined ? {} : {maxPathLen})}
    } else if (oid === OID.keyUsage) fields = {...fields, keyUsage: keyUsageBits(value)}
    else if (oid === OID.extKeyUsage) fields = {...fields, extKeyUsage: children(expectTag(top(value), 0x30, 'ExtKeyUsage')).map(oidString)}
    else if (oid === OID.subjectAltName) readSans(value, sans)
    else if (oid === OID.subjectKeyIdentifier) fields = {...fields, subjectKeyId: Buffer.from(contents(expectTag(top(value), 0x04, 'SubjectKeyIdentifier')))}
    else if (oid === OID.authorityKeyIdentifier) {
      const keyId = children(expectTag(top(value), 0x30, 'AuthorityKeyIdentifier')).find((t) => t.tag === 0x80)
      if (keyId !== undefined) fields = {...fields, authorityKeyId: Buffer.from(contents(keyId))}
    }
  }
  return {...fields, ...sans}
}

/** The fields of one DER certificate (nothing after it); DerError for anything outside the shapes above. */
export function readCertFieldsDer(der: Buffer): CertFields {
  const certificate = expectTag(readTlv(der, 0), 0x30, 'Certificate')
  if (certificate.end !== der.length) throw new DerError('data after the certificate')
  const tbs = children(expectTag(children(certificate)[0], 0x30, 'TBSCertificate'))
  const at = tbs[0]?.tag === 0xa0 ? 1 : 0
  const [validFrom, validTo] = children(expectTag(tbs[at + 3], 0x30, 'Validity'))
  const extensions = extensionList(tbs.slice(at + 6))
  // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
  if (new Set(extensions.map((e) => e.oid)).size !== extensions.length) throw new DerError('duplicate extensions')
  return {
    serial: BigInt('0x' + contents(expectTag(tbs[at], 0x02, 'serialNumber')).toString('hex')),
    notBefore: timeValue(validFrom),
    notAfter: timeValue(validTo),
    subject: nameFields(expectTag(tbs[at + 4], 0x30, 'subject')),
    extensions,
    ...extensionFields(extensions),
  }
}
