import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {InputError} from '../../../src/lib/errors.js'
import {caPin, subjectPublicKeyInfo} from '../../../src/lib/net/ca-pin.js'
import {loadKeyPairs} from '../../../src/lib/server/tls.js'
import {makeIntermediateCa, makeRootCa, makeServerCert, type TestCert} from '../../helpers/pki.js'

let root: TestCert
let intermediate: TestCert
let leaf: TestCert
let dir: string

before(async () => {
  root = await makeRootCa('pin-root')
  intermediate = await makeIntermediateCa('pin-int', root)
  leaf = await makeServerCert(intermediate)
  dir = await mkdtemp(join(tmpdir(), 'svidkit-tls-'))
})
after(() => rm(dir, {recursive: true, force: true}))

/** What openssl says: the public key as DER SPKI, hashed. */
function opensslPin(certPem: string): string {
  const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout'], {input: certPem})
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], {input: pub})
  return 'sha256:' + createHash('sha256').update(der).digest('hex')
}

describe('caPin', () => {
  it('is sha256: + hex of the SPKI, as openssl computes it', () => {
    const pin = caPin(root.certPem)
    assert.match(pin, /^sha256:[0-9a-f]{64}$/)
    assert.equal(pin, opensslPin(root.certPem))
  })

  it('gives the same pin for PEM, DER and a parsed certificate', () => {
    assert.equal(caPin(root.der), caPin(root.certPem))
    assert.equal(caPin(root.node), caPin(root.certPem))
  })

  it('hashes the SPKI bytes as they are in the certificate', () => {
    for (const cert of [root, intermediate, leaf]) {
      assert.ok(cert.der.includes(subjectPublicKeyInfo(cert.node)), 'the SPKI is the certificate\'s own encoding')
    }
  })

  it('differs between certificates with different keys', () => {
    assert.notEqual(caPin(root.certPem), caPin(intermediate.certPem))
  })

  it('refuses input with no certificate', () => {
    assert.throws(() => caPin('nothing here'), {code: 'BAD_PARAMETER', message: 'no CERTIFICATE PEM block found'})
    assert.throws(() => caPin(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])), {code: 'BAD_PARAMETER'})
  })
})

describe('loadKeyPairs', () => {
  it('loads a chain and its key', async () => {
    const certFile = join(dir, 'fullchain.pem')
    const keyFile = join(dir, 'key.pem')
    await writeFile(certFile, leaf.certPem + intermediate.certPem)
    await writeFile(keyFile, leaf.keyPem)
    const [pair] = await loadKeyPairs([{certFile, keyFile}])
    assert.ok(pair)
    assert.deepEqual(pair.chain.map((c) => c.subject), ['CN=server', 'CN=pin-int'])
    assert.equal(pair.keyPem, leaf.keyPem)
  })

  it('refuses a key that belongs to another certificate', async () => {
    const certFile = join(dir, 'cert2.pem')
    const keyFile = join(dir, 'key2.pem')
    await writeFile(certFile, leaf.certPem)
    await writeFile(keyFile, root.keyPem)
    await assert.rejects(loadKeyPairs([{certFile, keyFile}]), (err: unknown) => {
      assert.ok(err instanceof InputError)
      assert.equal(err.message, `${keyFile}: the private key does not match the certificate in ${certFile}`)
      return true
    })
  })

  it('names a missing file, and a file without certificates', async () => {
    const missing = join(dir, 'missing.pem')
    await assert.rejects(loadKeyPairs([{certFile: missing, keyFile: missing}]), {message: `${missing}: cannot read: no such file`})
    const empty = join(dir, 'empty.pem')
    await writeFile(empty, 'hello\n')
    await assert.rejects(loadKeyPairs([{certFile: empty, keyFile: empty}]), {message: `${empty}: no CERTIFICATE PEM block found`})
  })

  it('refuses an unreadable key', async () => {
    const certFile = join(dir, 'cert3.pem')
    const keyFile = join(dir, 'key3.pem')
    await writeFile(certFile, leaf.certPem)
    await writeFile(keyFile, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')
    await assert.rejects(loadKeyPairs([{certFile, keyFile}]), {message: `${keyFile}: not a readable PEM private key`})
  })
})
