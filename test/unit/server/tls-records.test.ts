import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {presentedCertificates, TlsParseError} from '../../../src/lib/server/tls-records.js'

function u24(n: number): Buffer {
  return Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff])
}
function record(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, 3, 3, body.length >> 8, body.length & 0xff]), body])
}
function handshake(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), u24(body.length), body])
}
/** A TLS 1.2 Certificate message over opaque "certificates". */
function tls12Certificate(certs: Buffer[]): Buffer {
  const list = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c])))
  return handshake(11, Buffer.concat([u24(list.length), list]))
}

const A = Buffer.from('first-cert')
const B = Buffer.from('second')
const serverHello = handshake(2, Buffer.alloc(40, 1))

describe('presentedCertificates (TLS 1.2 framing)', () => {
  it('reads the certificates in presented order after other handshake messages', () => {
    const received = record(22, Buffer.concat([serverHello, tls12Certificate([A, B]), handshake(14, Buffer.alloc(0))]))
    assert.deepEqual(presentedCertificates({protocol: 'TLSv1.2', received}), [A, B])
  })

  it('reassembles a Certificate message split across records', () => {
    const message = tls12Certificate([B, A])
    const received = Buffer.concat([record(22, serverHello), record(22, message.subarray(0, 7)), record(22, message.subarray(7))])
    assert.deepEqual(presentedCertificates({protocol: 'TLSv1.2', received}), [B, A])
  })

  it('fails clearly on an alert, a missing message or a truncated list', () => {
    assert.throws(() => presentedCertificates({protocol: 'TLSv1.2', received: record(21, Buffer.from([2, 40]))}),
      new TlsParseError('the server sent an alert before its certificate'))
    assert.throws(() => presentedCertificates({protocol: 'TLSv1.2', received: record(22, serverHello)}),
      new TlsParseError('no Certificate message in the server handshake'))
    const broken = handshake(11, Buffer.concat([u24(100), u24(3), Buffer.from('abc')]))
    assert.throws(() => presentedCertificates({protocol: 'TLSv1.2', received: record(22, broken)}), new TlsParseError('truncated Certificate message'))
  })

  it('refuses an unknown TLS 1.3 suite, and records that do not decrypt', () => {
    const input = {protocol: 'TLSv1.3' as const, received: record(23, Buffer.alloc(40)), serverHandshakeSecret: Buffer.alloc(32)}
    assert.throws(() => presentedCertificates({...input, cipherSuite: 'TLS_AES_128_CCM_8_SHA256'}), new TlsParseError('unsupported TLS 1.3 cipher suite TLS_AES_128_CCM_8_SHA256'))
    assert.throws(() => presentedCertificates({...input, cipherSuite: 'TLS_AES_128_GCM_SHA256'}), new TlsParseError('cannot decrypt a TLS 1.3 handshake record'))
  })
})
