/**
 * What `tbot spiffe-inspect` prints of a certificate: the subject alternative names read back from
 * node:crypto's X509Certificate text form, and NotAfter. (Splitting the Workload API's concatenated
 * DER is the SPIFFE library's, ca/parsed-cert.ts.)
 */
import type {X509Certificate} from 'node:crypto'
import {canonicalIp} from './ip.js'

export interface SubjectAltNames {
  readonly uris: readonly string[]
  readonly dns: readonly string[]
  /** In Go's `net.IP.String()` form (Node prints IPv6 SANs uncompressed, `FD00:0:0:0:0:0:0:1`). */
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
    else if (kind === 'IP Address') ips.push(canonicalIp(value) ?? value)
  }
  return {uris, dns, ips}
}

/** NotAfter as a Date (Node 20 has no validToDate). */
export function notAfter(cert: X509Certificate): Date {
  return new Date(cert.validTo)
}
