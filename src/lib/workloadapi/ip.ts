/**
 * IP literals printed the way Go's `net.IP.String()` prints them: go-spiffe dials a `tcp://` address
 * as `net.JoinHostPort(ip.String(), port)` (go-spiffe v2 workloadapi/addr.go) and Teleport's
 * spiffe-inspect prints IP SANs through the same method. node:net's `isIP` decides what is an IP
 * literal; WHATWG URL's IPv6 serializer compresses the longest zero run as RFC 5952 §4.2 (and Go) do.
 */
import {isIP} from 'node:net'

/** IPv4-mapped IPv6 (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) as WHATWG URL serializes it. */
const V4_MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/

/** The canonical text of an IP literal, or undefined when `text` is not one (zones included). */
export function canonicalIp(text: string): string | undefined {
  // isIP takes an IPv6 zone (`fe80::1%eth0`); Go's net.ParseIP does not.
  if (text.includes('%')) return undefined
  const family = isIP(text)
  if (family === 4) return text // isIP takes only the canonical dotted-decimal form, no leading zeros
  if (family !== 6) return undefined
  const compressed = new URL(`http://[${text}]`).hostname.slice(1, -1)
  const mapped = V4_MAPPED.exec(compressed)
  if (mapped === null) return compressed
  // Go prints an IPv4-mapped address as plain IPv4.
  const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)]
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')
}

/** `host:port`, bracketing an IPv6 literal (Go's `net.JoinHostPort`). */
export function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
