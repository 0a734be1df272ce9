/**
 * IP literals as Go's `net.ParseIP` reads them and `net.IP.String()` prints them: go-spiffe turns a
 * `tcp://` address into `ip.String():port` (spec/spiffe.md §4.5) and Teleport's spiffe-inspect prints
 * IP SANs the same way (teleport.md §5).
 */

/** 4 bytes for a dotted quad, 16 for IPv6; undefined when not an IP literal (no zones, no leading 0s). */
export function parseIp(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text)
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const out = new Uint8Array(4)
  for (const [i, part] of parts.entries()) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined
    const n = Number(part)
    if (n > 255) return undefined
    out[i] = n
  }
  return out
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = parseGroups(halves[0] ?? '', halves.length === 1)
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '', true) : []
  if (head === undefined || tail === undefined) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail]
  const out = new Uint8Array(16)
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8
    out[2 * i + 1] = g & 0xff
  })
  return out
}

/** Colon-separated hex groups; the last may be a dotted quad (two groups) when `mayEndInV4`. */
function parseGroups(text: string, mayEndInV4: boolean): number[] | undefined {
  if (text === '') return []
  const parts = text.split(':')
  const groups: number[] = []
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && mayEndInV4 && part.includes('.')) {
      const v4 = parseIpv4(part)
      if (v4 === undefined) return undefined
      groups.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number))
      continue
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined
    groups.push(parseInt(part, 16))
  }
  return groups
}

/** Go's `net.IP.String()`: dotted for IPv4 and IPv4-mapped IPv6, else RFC 5952 (longest zero run → ::). */
export function formatIp(ip: Uint8Array): string {
  if (ip.length === 4) return Array.from(ip).join('.')
  if (ip.length !== 16) return '?' + Buffer.from(ip).toString('hex')
  if (ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) {
    return Array.from(ip.subarray(12)).join('.')
  }
  const groups = Array.from({length: 8}, (_, i) => ((ip[2 * i] as number) << 8) | (ip[2 * i + 1] as number))
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j === i ? i + 1 : j
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':')
  if (bestStart < 0) return hex(groups)
  return hex(groups.slice(0, bestStart)) + '::' + hex(groups.slice(bestStart + bestLength))
}

/** Go's `net.JoinHostPort`: brackets around a host holding a colon. */
export function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
