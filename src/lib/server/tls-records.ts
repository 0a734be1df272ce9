/**
 * Recover the certificate chain exactly as a TLS server presented it, from the raw bytes the server sent.
 *
 * Why: Node's `getPeerCertificate(true)` does not return the presented chain. It rebuilds an issuer
 * chain (reordered by issuer, dropping unrelated certs) and appends the root from the client's own trust
 * store when the server did not send it. AWS's thumbprint is the last certificate *as presented*
 * (teleport.md §8; `openssl s_client -showcerts` order), so we read the Certificate handshake message.
 * TLS 1.2 sends it in clear; TLS 1.3 encrypts it with the server handshake traffic secret, which the
 * client learns from its own `keylog` event (RFC 8446 §7.1, §7.3, §5.2).
 *
 * Pure: bytes in, DER certificates out. No I/O.
 */
import {createDecipheriv, createHmac} from 'node:crypto'

const RECORD_CHANGE_CIPHER_SPEC = 20
const RECORD_ALERT = 21
const RECORD_HANDSHAKE = 22
const RECORD_APPLICATION_DATA = 23
const HANDSHAKE_CERTIFICATE = 11

/** The TLS 1.3 AEADs OpenSSL negotiates by default (RFC 8446 §B.4). */
const TLS13_SUITES: Readonly<Record<string, {cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305'; keyLength: number; hash: 'sha256' | 'sha384'}>> = {
  TLS_AES_128_GCM_SHA256: {cipher: 'aes-128-gcm', keyLength: 16, hash: 'sha256'},
  TLS_AES_256_GCM_SHA384: {cipher: 'aes-256-gcm', keyLength: 32, hash: 'sha384'},
  TLS_CHACHA20_POLY1305_SHA256: {cipher: 'chacha20-poly1305', keyLength: 32, hash: 'sha256'},
}
const AEAD_TAG_LENGTH = 16
const AEAD_IV_LENGTH = 12

export type ServerHandshakeInput =
  | {readonly protocol: 'TLSv1.2'; readonly received: Buffer}
  | {
      readonly protocol: 'TLSv1.3'
      readonly received: Buffer
      /** IANA name of the negotiated suite, e.g. `TLS_AES_256_GCM_SHA384` (`getCipher().standardName`). */
      readonly cipherSuite: string
      /** The `SERVER_HANDSHAKE_TRAFFIC_SECRET` from the client's key log. */
      readonly serverHandshakeSecret: Buffer
    }

/** Thrown when the bytes do not hold a Certificate message we can read. Callers wrap it. */
export class TlsParseError extends Error {
  override readonly name = 'TlsParseError'
}

/** The certificates of the server's Certificate message, in presented order (leaf first). */
export function presentedCertificates(input: ServerHandshakeInput): Buffer[] {
  const decrypt = input.protocol === 'TLSv1.3' ? tls13Decrypter(input.cipherSuite, input.serverHandshakeSecret) : undefined
  const handshake = new HandshakeReader()
  for (const record of readRecords(input.received)) {
    if (record.type === RECORD_CHANGE_CIPHER_SPEC) continue
    if (record.type === RECORD_ALERT) throw new TlsParseError('the server sent an alert before its certificate')
    let type = record.type
    let body = record.body
    if (type === RECORD_APPLICATION_DATA) {
      if (decrypt === undefined) throw new TlsParseError('encrypted record before the TLS 1.2 certificate')
      ;({type, body} = decrypt(record.header, record.body))
    }
    if (type !== RECORD_HANDSHAKE) continue
    const certificate = handshake.push(body)
    if (certificate !== undefined) {
      return input.protocol === 'TLSv1.3' ? parseTls13Certificate(certificate) : parseTls12Certificate(certificate)
    }
  }
  throw new TlsParseError('no Certificate message in the server handshake')
}

interface TlsRecord {
  readonly type: number
  readonly header: Buffer
  readonly body: Buffer
}

function* readRecords(data: Buffer): Generator<TlsRecord> {
  let at = 0
  while (at + 5 <= data.length) {
    const length = data.readUInt16BE(at + 3)
    if (at + 5 + length > data.length) return // the rest arrived after the handshake; not needed
    yield {type: data[at]!, header: data.subarray(at, at + 5), body: data.subarray(at + 5, at + 5 + length)}
    at += 5 + length
  }
}

/** Reassembles handshake messages across records; returns the first Certificate message's body. */
class HandshakeReader {
  private pending = Buffer.alloc(0)

  push(fragment: Buffer): Buffer | undefined {
    this.pending = Buffer.concat([this.pending, fragment])
    while (this.pending.length >= 4) {
      const length = this.pending.readUIntBE(1, 3)
      if (this.pending.length < 4 + length) return undefined
      const type = this.pending[0]
      const body = this.pending.subarray(4, 4 + length)
      this.pending = this.pending.subarray(4 + length)
      if (type === HANDSHAKE_CERTIFICATE) return body
    }
    return undefined
  }
}

/** RFC 5246 §7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
function parseTls12Certificate(body: Buffer): Buffer[] {
  const list = lengthPrefixed(body, 0, 3)
  const certs: Buffer[] = []
  for (let at = 0; at < list.length;) {
    const der = lengthPrefixed(list, at, 3)
    certs.push(Buffer.from(der))
    at += 3 + der.length
  }
  return certs
}

/** RFC 8446 §4.4.2: request context, then entries of cert_data<1..2^24-1> + extensions<0..2^16-1>. */
function parseTls13Certificate(body: Buffer): Buffer[] {
  const context = lengthPrefixed(body, 0, 1)
  const list = lengthPrefixed(body, 1 + context.length, 3)
  const certs: Buffer[] = []
  for (let at = 0; at < list.length;) {
    const der = lengthPrefixed(list, at, 3)
    certs.push(Buffer.from(der))
    at += 3 + der.length
    at += 2 + lengthPrefixed(list, at, 2).length
  }
  return certs
}

function lengthPrefixed(data: Buffer, at: number, lengthBytes: 1 | 2 | 3): Buffer {
  if (at + lengthBytes > data.length) throw new TlsParseError('truncated Certificate message')
  const length = data.readUIntBE(at, lengthBytes)
  if (at + lengthBytes + length > data.length) throw new TlsParseError('truncated Certificate message')
  return data.subarray(at + lengthBytes, at + lengthBytes + length)
}

type RecordDecrypter = (header: Buffer, body: Buffer) => {type: number; body: Buffer}

/** RFC 8446 §7.3 traffic keys and §5.2–5.3 record protection, for the server's handshake records. */
function tls13Decrypter(suiteName: string, secret: Buffer): RecordDecrypter {
  const suite = TLS13_SUITES[suiteName]
  if (suite === undefined) throw new TlsParseError(`unsupported TLS 1.3 cipher suite ${suiteName}`)
  const key = hkdfExpandLabel(suite.hash, secret, 'key', suite.keyLength)
  const iv = hkdfExpandLabel(suite.hash, secret, 'iv', AEAD_IV_LENGTH)
  let sequence = 0n
  return (header, body) => {
    if (body.length < AEAD_TAG_LENGTH) throw new TlsParseError('encrypted record shorter than its tag')
    const nonce = Buffer.from(iv)
    const seq = Buffer.alloc(8)
    seq.writeBigUInt64BE(sequence++)
    for (let i = 0; i < 8; i++) nonce[AEAD_IV_LENGTH - 8 + i]! ^= seq[i]!
    const decipher = suite.cipher === 'chacha20-poly1305'
      ? createDecipheriv(suite.cipher, key, nonce, {authTagLength: AEAD_TAG_LENGTH})
      : createDecipheriv(suite.cipher, key, nonce, {authTagLength: AEAD_TAG_LENGTH})
    decipher.setAAD(header, {plaintextLength: body.length - AEAD_TAG_LENGTH})
    decipher.setAuthTag(body.subarray(body.length - AEAD_TAG_LENGTH))
    let inner: Buffer
    try {
      inner = Buffer.concat([decipher.update(body.subarray(0, body.length - AEAD_TAG_LENGTH)), decipher.final()])
    } catch (cause) {
      throw new TlsParseError('cannot decrypt a TLS 1.3 handshake record', {cause})
    }
    // TLSInnerPlaintext: content, then the real content type, then zero padding.
    let end = inner.length
    while (end > 0 && inner[end - 1] === 0) end--
    if (end === 0) throw new TlsParseError('TLS 1.3 record without a content type')
    return {type: inner[end - 1]!, body: inner.subarray(0, end - 1)}
  }
}

/** HKDF-Expand-Label with an empty context; every output we need fits one HMAC block (RFC 5869 T(1)). */
function hkdfExpandLabel(hash: 'sha256' | 'sha384', secret: Buffer, label: string, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'ascii')
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, fullLabel.length]), fullLabel, Buffer.from([0])])
  return createHmac(hash, secret).update(info).update(Buffer.from([1])).digest().subarray(0, length)
}
