/**
 * A minimal DER reader: walks definite-length TLVs without copying. Enough to pull the fields node's
 * X509Certificate does not expose (keyUsage bits, basicConstraints, raw names, SKI/AKI, URI SANs).
 * Any structural problem throws DerError; callers turn it into their own message.
 */

export class DerError extends Error {}

export interface Tlv {
  readonly tag: number
  /** Offset of the tag byte in the source buffer. */
  readonly start: number
  /** Offset of the first content byte. */
  readonly contentStart: number
  /** Offset just past the contents. */
  readonly end: number
  readonly source: Buffer
}

/** The contents of a TLV (a view, not a copy). */
export function contents(t: Tlv): Buffer {
  return t.source.subarray(t.contentStart, t.end)
}

/** The whole encoding of a TLV, tag and length included (a view). */
export function whole(t: Tlv): Buffer {
  return t.source.subarray(t.start, t.end)
}

/** Read one TLV at `offset`, which must end at or before `limit`. */
export function readTlv(source: Buffer, offset: number, limit = source.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated')
  const tag = source[offset]!
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported')
  let length = source[offset + 1]!
  let contentStart = offset + 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0 || count > 4) throw new DerError('unsupported length')
    if (contentStart + count > limit) throw new DerError('truncated')
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + source[contentStart + i]!
    contentStart += count
  }
  const end = contentStart + length
  if (end > limit) throw new DerError('truncated')
  return {tag, start: offset, contentStart, end, source}
}

/** The child TLVs of a constructed value. */
export function children(parent: Tlv): Tlv[] {
  const out: Tlv[] = []
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readTlv(parent.source, at, parent.end)
    out.push(child)
    at = child.end
  }
  return out
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (t === undefined || t.tag !== tag) throw new DerError(`expected ${what}`)
  return t
}

/** Split concatenated DER values (a certificate chain over the Workload API). */
export function splitConcatenated(source: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let at = 0; at < source.length; ) {
    const t = readTlv(source, at)
    out.push(whole(t))
    at = t.end
  }
  return out
}

export function decodeOid(t: Tlv): string {
  const body = contents(t)
  if (body.length === 0 || (body[body.length - 1]! & 0x80) !== 0) throw new DerError('bad OID')
  const subidentifiers: bigint[] = []
  let value = 0n
  for (const byte of body) {
    value = (value << 7n) | BigInt(byte & 0x7f)
    if ((byte & 0x80) === 0) {
      subidentifiers.push(value)
      value = 0n
    }
  }
  // X.690 §8.19.4: the first subidentifier is 40·arc1 + arc2, with arc1 ≤ 2.
  const first = subidentifiers[0]!
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n]
  return [...head, ...subidentifiers.slice(1)].join('.')
}

export function decodeBoolean(t: Tlv): boolean {
  const body = contents(t)
  if (body.length !== 1) throw new DerError('bad BOOLEAN')
  return body[0] !== 0
}

/** An INTEGER as a bigint (two's complement). */
export function decodeInteger(t: Tlv): bigint {
  const body = contents(t)
  if (body.length === 0) throw new DerError('empty INTEGER')
  let n = 0n
  for (const b of body) n = (n << 8n) | BigInt(b)
  if (body[0]! & 0x80) n -= 1n << BigInt(body.length * 8)
  return n
}

/** UTCTime or GeneralizedTime in the `...Z` forms RFC 5280 §4.1.2.5 allows. */
export function decodeTime(t: Tlv): Date {
  const s = contents(t).toString('ascii')
  const m =
    t.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
  if (m === null || (t.tag !== 0x17 && t.tag !== 0x18)) throw new DerError('bad time')
  let year = Number(m[1])
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])))
}

/** A named-bit BIT STRING as a number where bit i of the ASN.1 value is `1 << i` (Go's KeyUsage). */
export function decodeNamedBits(t: Tlv): number {
  const body = contents(t)
  if (body.length === 0) throw new DerError('bad BIT STRING')
  let out = 0
  for (let i = 1; i < body.length && i <= 4; i++) {
    for (let bit = 0; bit < 8; bit++) if (body[i]! & (0x80 >> bit)) out |= 1 << ((i - 1) * 8 + bit)
  }
  return out
}
