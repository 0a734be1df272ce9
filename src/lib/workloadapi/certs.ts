/**
 * Certificates as the Workload API carries them: DER certificates concatenated with no separator
 * (spec/spiffe.md §4.4 "Bundle encodings"), parsed like Go's `x509.ParseCertificates`, and the
 * subject alternative names read back from node:crypto's X509Certificate text form.
 */
import {X509Certificate} from 'node:crypto'
import {formatIp, parseIp} from './ip.js'

/** Splits concatenated DER SEQUENCEs; throws on a truncated or non-SEQUENCE element. */
export function splitDer(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  let offset = 0
  while (offset < data.length) {
    if (data[offset] !== 0x30 || offset + 2 > data.length) throw new Error('x509: malformed certificate')
    let length = data[offset + 1] as number
    let header = 2
    if (length & 0x80) {
      const count = length & 0x7f
      if (count === 0 || count > 4 || offset + 2 + count > data.length) throw new Error('x509: malformed certificate')
      length = 0
      for (let i = 0; i < count; i++) length = length * 256 + (data[offset + 2 + i] as number)
      header += count
    }
    const end = offset + header + length
    if (end > data.length) throw new Error('x509: malformed certificate')
    out.push(data.subarray(offset, end))
    offset = end
  }
  return out
}

/** Go's `x509.ParseCertificates` over concatenated DER. */
export function parseCertificates(data: Uint8Array): X509Certificate[] {
  return splitDer(data).map((der) => new X509Certificate(Buffer.from(der)))
}

export interface SubjectAltNames {
  readonly uris: readonly string[]
  readonly dns: readonly string[]
  /** In Go's `net.IP.String()` form. */
  readonly ips: readonly string[]
}

/**
 * Reads `cert.subjectAltName` ("URI:…, DNS:…, IP Address:…"); Node quotes a value holding a
 * separator as a JSON string, so commas inside names are handled.
 */
export function subjectAltNames(cert: X509Certificate): SubjectAltNames {
  const uris: string[] = []
  const dns: string[] = []
  const ips: string[] = []
  const text = cert.subjectAltName ?? ''
  const entry = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/gy
  for (let m = entry.exec(text); m !== null && m[0] !== ''; m = entry.exec(text)) {
    const kind = m[1] as string
    const raw = m[2] as string
    const value = raw.startsWith('"') ? JSON.parse(raw) as string : raw
    if (kind === 'URI') uris.push(value)
    else if (kind === 'DNS') dns.push(value)
    else if (kind === 'IP Address') {
      const ip = parseIp(value)
      ips.push(ip === undefined ? value : formatIp(ip))
    }
  }
  return {uris, dns, ips}
}

/** NotAfter as a Date (Node 20 has no validToDate). */
export function notAfter(cert: X509Certificate): Date {
  return new Date(cert.validTo)
}
