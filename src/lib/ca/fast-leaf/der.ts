/**
 * A minimal DER encoder: just the ASN.1 types an X.509 leaf certificate needs. Each function returns
 * the complete TLV as a Buffer, so a certificate is built by nesting calls. Hand-rolled because
 * @peculiar/x509's pure-JS ASN.1 caps issuance at ~250 certs/s (index.ts).
 */

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const

function headerLength(length: number): number {
  if (length < 0x80) return 2
  if (length < 0x100) return 3
  if (length < 0x10000) return 4
  if (length < 0x1000000) return 5
  return 6
}

/**
 * One tag-length-value with the given contents (concatenated), written into a single fresh buffer:
 * this runs dozens of times per certificate, so no intermediate arrays or concats.
 */
export function tlv(tag: number, ...contents: readonly Uint8Array[]): Buffer {
  let length = 0
  for (const c of contents) length += c.length
  const header = headerLength(length)
  const out = Buffer.allocUnsafe(header + length)
  out[0] = tag
  if (header === 2) out[1] = length
  else {
    out[1] = 0x80 | (header - 2)
    for (let i = header - 1, n = length; i >= 2; i--, n = Math.floor(n / 256)) out[i] = n & 0xff
  }
  let offset = header
  for (const c of contents) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

export function sequence(...items: readonly Uint8Array[]): Buffer {
  return tlv(TAG.SEQUENCE, ...items)
}

export function set(...items: readonly Uint8Array[]): Buffer {
  return tlv(TAG.SET, ...items)
}

/** `[n]` EXPLICIT: constructed context-specific tag wrapping a whole TLV. */
export function explicit(n: number, inner: Uint8Array): Buffer {
  return tlv(0xa0 | n, inner)
}

/** `[n]` IMPLICIT primitive: a context-specific tag replacing a primitive type's tag. */
export function implicitPrimitive(n: number, contents: Uint8Array): Buffer {
  return tlv(0x80 | n, contents)
}

export function boolean(value: boolean): Buffer {
  return tlv(TAG.BOOLEAN, Buffer.from([value ? 0xff : 0x00]))
}

/** A non-negative INTEGER in minimal two's-complement form (a 0x00 pad keeps the top bit clear). */
export function unsignedInteger(value: bigint | number): Buffer {
  let n = BigInt(value)
  if (n < 0n) throw new RangeError('unsignedInteger: negative value')
  const bytes: number[] = []
  do {
    bytes.unshift(Number(n & 0xffn))
    n >>= 8n
  } while (n > 0n)
  if (bytes[0]! & 0x80) bytes.unshift(0)
  return tlv(TAG.INTEGER, Buffer.from(bytes))
}

/** An INTEGER from big-endian magnitude bytes (leading zeros stripped, sign pad added). */
export function unsignedIntegerFromBytes(magnitude: Uint8Array): Buffer {
  let start = 0
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++
  const trimmed = magnitude.subarray(start)
  const body = trimmed.length > 0 && trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed
  return tlv(TAG.INTEGER, body.length === 0 ? Buffer.from([0]) : body)
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => BigInt(a))
  if (arcs.length < 2) throw new RangeError(`bad OID ${dotted}`)
  // The first two arcs share one subidentifier (X.690 §8.19.4), which may itself span several bytes.
  const subidentifiers = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)]
  const body: number[] = []
  for (const sub of subidentifiers) {
    const chunk: number[] = []
    let n = sub
    do {
      chunk.unshift(Number(n & 0x7fn))
      n >>= 7n
    } while (n > 0n)
    body.push(...chunk.map((c, i) => (i < chunk.length - 1 ? c | 0x80 : c)))
  }
  return tlv(TAG.OID, Buffer.from(body))
}

export function octetString(contents: Uint8Array): Buffer {
  return tlv(TAG.OCTET_STRING, contents)
}

/** A BIT STRING holding whole bytes (no unused bits): signatures and public keys. */
export function bitString(contents: Uint8Array): Buffer {
  return tlv(TAG.BIT_STRING, NO_UNUSED_BITS, contents)
}

const NO_UNUSED_BITS = Buffer.from([0])

/**
 * A named-bit BIT STRING (keyUsage): bit 0 is the most significant bit of the first byte. DER drops
 * trailing zero bits (X.690 §11.2.2), and the first byte counts the unused bits of the last one.
 */
export function namedBits(bits: readonly number[]): Buffer {
  if (bits.length === 0) return tlv(TAG.BIT_STRING, Buffer.from([0]))
  const highest = Math.max(...bits)
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1)
  for (const bit of bits) bytes[Math.floor(bit / 8)]! |= 0x80 >> bit % 8
  const unused = 7 - (highest % 8)
  return tlv(TAG.BIT_STRING, Buffer.from([unused]), bytes)
}

export function utf8String(value: string): Buffer {
  return tlv(TAG.UTF8_STRING, Buffer.from(value, 'utf8'))
}

export function nullValue(): Buffer {
  return Buffer.from([TAG.NULL, 0])
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

/** Issuance encodes the same few instants over and over within a second: keep the last ones. */
const timeCache = new Map<number, Buffer>()

/**
 * UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5); whole seconds, `Z`. The
 * returned buffer may be shared (cached): treat it as read-only.
 */
export function time(date: Date): Buffer {
  const seconds = Math.floor(date.getTime() / 1000)
  let encoded = timeCache.get(seconds)
  if (encoded === undefined) {
    encoded = encodeTime(date)
    if (timeCache.size >= 64) timeCache.clear()
    timeCache.set(seconds, encoded)
  }
  return encoded
}

function encodeTime(date: Date): Buffer {
  const y = date.getUTCFullYear()
  const rest =
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2) +
    'Z'
  if (y >= 1950 && y < 2050) return tlv(TAG.UTC_TIME, Buffer.from(pad(y % 100, 2) + rest, 'ascii'))
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(pad(y, 4) + rest, 'ascii'))
}

/**
 * A TLV whose encoding is deferred: hot paths build a tree of these (cheap JS objects) and write it
 * once with `encode`, instead of allocating and copying a Buffer at every nesting level.
 */
export interface DerNode {
  readonly tag: number
  readonly parts: readonly (Uint8Array | DerNode)[]
  /** Content length in bytes. */
  readonly length: number
}

function totalLength(part: Uint8Array | DerNode): number {
  return part instanceof Uint8Array ? part.length : headerLength(part.length) + part.length
}

export function node(tag: number, ...parts: readonly (Uint8Array | DerNode)[]): DerNode {
  let length = 0
  for (const p of parts) length += totalLength(p)
  return {tag, parts, length}
}

function writeNode(n: DerNode, out: Buffer, offset: number): number {
  const header = headerLength(n.length)
  out[offset] = n.tag
  if (header === 2) out[offset + 1] = n.length
  else {
    out[offset + 1] = 0x80 | (header - 2)
    for (let i = header - 1, v = n.length; i >= 2; i--, v = Math.floor(v / 256)) out[offset + i] = v & 0xff
  }
  let at = offset + header
  for (const p of n.parts) {
    if (p instanceof Uint8Array) {
      out.set(p, at)
      at += p.length
    } else at = writeNode(p, out, at)
  }
  return at
}

/** The DER bytes of a node tree, in one allocation. */
export function encode(n: DerNode): Buffer {
  const out = Buffer.allocUnsafe(totalLength(n))
  writeNode(n, out, 0)
  return out
}
