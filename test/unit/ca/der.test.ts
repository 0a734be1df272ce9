import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import * as der from '../../../src/lib/ca/fast-leaf/der.js'
import {DerError, children, contents, readTlv} from '../../../src/lib/ca/fast-leaf/der-reader.js'
import {openssl} from '../../helpers/openssl.js'
import {tempDir} from '../../helpers/tmp.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

/** openssl's own DER for an `ASN1_generate_nconf` string: an independent encoder to compare with. */
function opensslEncoded(genstr: string): Buffer {
  const out = join(tempDir(), 'value.der')
  const r = openssl(['asn1parse', '-genstr', genstr, '-noout', '-out', out])
  assert.equal(r.status, 0, r.stderr)
  return readFileSync(out)
}

/** `openssl asn1parse` of a DER value: what an independent decoder reads back. */
function asn1parse(value: Uint8Array): string {
  const r = openssl(['asn1parse', '-inform', 'DER'], Buffer.from(value))
  assert.equal(r.status, 0, r.stderr)
  return r.stdout
}

describe('DER encoder', () => {
  it('encodes non-negative INTEGERs minimally, padding a set top bit', () => {
    assert.equal(hex(der.unsignedInteger(0)), '020100')
    assert.equal(hex(der.unsignedInteger(127)), '02017f')
    assert.equal(hex(der.unsignedInteger(128)), '02020080')
    assert.equal(hex(der.unsignedInteger(256)), '02020100')
    assert.equal(hex(der.unsignedInteger(2n ** 128n - 1n)), '021100' + 'ff'.repeat(16))
    assert.equal(hex(der.unsignedIntegerFromBytes(Buffer.from('000080', 'hex'))), '02020080')
    assert.equal(hex(der.unsignedIntegerFromBytes(Buffer.from('00007f', 'hex'))), '02017f')
    assert.throws(() => der.unsignedInteger(-1), RangeError)
  })

  it('uses short and long length forms at the right boundaries', () => {
    assert.equal(hex(der.octetString(Buffer.alloc(127))).slice(0, 4), '047f')
    assert.equal(hex(der.octetString(Buffer.alloc(128))).slice(0, 6), '048180')
    assert.equal(hex(der.octetString(Buffer.alloc(255))).slice(0, 6), '0481ff')
    assert.equal(hex(der.octetString(Buffer.alloc(256))).slice(0, 8), '04820100')
    assert.equal(hex(der.octetString(Buffer.alloc(70000))).slice(0, 10), '0483011170')
  })

  it('encodes OIDs that decode back, including multi-byte arcs', () => {
    for (const oid of ['2.5.29.17', '1.2.840.113549.1.1.11', '1.3.6.1.5.5.7.3.2', '1.2.840.10045.3.1.7', '2.999.1', '1.3.9999.4242.1']) {
      assert.equal(hex(der.oid(oid)), hex(opensslEncoded(`OID:${oid}`)), oid)
    }
    assert.equal(hex(der.oid('1.2.840.113549')), '06062a864886f70d')
  })

  it('drops trailing zero bits of named-bit BIT STRINGs (X.690 §11.2.2)', () => {
    // digitalSignature|keyEncipherment|keyAgreement = bits 0, 2, 4 → 0xa8 with 3 unused bits.
    assert.equal(hex(der.namedBits([0, 2, 4])), '030203a8')
    // keyCertSign|cRLSign = bits 5, 6 → 0x06 with 1 unused bit.
    assert.equal(hex(der.namedBits([5, 6])), '03020106')
    assert.equal(hex(der.namedBits([8])), '0303070080')
  })

  it('switches from UTCTime to GeneralizedTime in 2050 and round-trips whole seconds', () => {
    const t2049 = new Date('2049-12-31T23:59:59.900Z')
    const t2050 = new Date('2050-01-01T00:00:00Z')
    assert.equal(der.time(t2049).toString('latin1', 2), '491231235959Z')
    assert.equal(der.time(t2049)[0], 0x17)
    assert.equal(der.time(t2050).toString('latin1', 2), '20500101000000Z')
    assert.equal(der.time(t2050)[0], 0x18)
    assert.match(asn1parse(der.sequence(der.time(t2049))), /UTCTIME\s+:491231235959Z/)
    assert.match(asn1parse(der.sequence(der.time(t2050))), /GENERALIZEDTIME\s+:20500101000000Z/)
  })

  it('builds deferred node trees into the same bytes as eager encoding', () => {
    const eager = der.sequence(der.oid('2.5.29.19'), der.boolean(true), der.octetString(der.sequence()))
    const lazy = der.encode(der.node(der.TAG.SEQUENCE, der.oid('2.5.29.19'), der.boolean(true), der.node(der.TAG.OCTET_STRING, der.sequence())))
    assert.deepEqual(lazy, eager)
    const big = der.encode(der.node(der.TAG.SEQUENCE, der.node(der.TAG.OCTET_STRING, Buffer.alloc(300, 1))))
    assert.deepEqual(big, der.sequence(der.octetString(Buffer.alloc(300, 1))))
  })

  it('produces structures openssl parses', () => {
    const doc = der.sequence(der.unsignedInteger(2n ** 100n), der.utf8String('héllo'), der.set(der.oid('2.5.4.3')), der.explicit(3, der.nullValue()))
    const r = openssl(['asn1parse', '-inform', 'DER'], doc)
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /INTEGER\s+:10000000000000000000000000/)
    assert.match(r.stdout, /UTF8STRING\s+:h/)
    assert.match(r.stdout, /commonName/)
  })
})

describe('DER reader', () => {
  it('walks children', () => {
    const seq = readTlv(der.sequence(der.unsignedInteger(5), der.tlv(0x02, Buffer.from([0xff]))), 0)
    const [a, b] = children(seq)
    assert.deepEqual(contents(a!), Buffer.from([5]))
    assert.deepEqual(contents(b!), Buffer.from([0xff]))
  })

  it('rejects truncated and unsupported encodings with DerError', () => {
    assert.throws(() => readTlv(Buffer.from('3005020101', 'hex'), 0), DerError)
    assert.throws(() => readTlv(Buffer.from('30', 'hex'), 0), DerError)
    assert.throws(() => readTlv(Buffer.from('3080', 'hex'), 0), DerError) // indefinite length
    assert.throws(() => readTlv(Buffer.from('1f0100', 'hex'), 0), DerError)
  })
})
