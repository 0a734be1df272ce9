import assert from 'node:assert/strict'
import {createHash, createPublicKey} from 'node:crypto'
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {createCaMaterial} from '../../../src/lib/ca/ca-material.js'
import {CA_FILES, loadCaMaterial, saveCaMaterial} from '../../../src/lib/ca/ca-store.js'
import {jwtKid} from '../../../src/lib/ca/keys.js'
import {BadParameterError, CorruptStateError, NotFoundError} from '../../../src/lib/errors.js'
import {openssl, opensslText} from '../../helpers/openssl.js'
import {sharedCa} from '../../helpers/pki.js'
import {tempDir} from '../../helpers/tmp.js'

const DAY = 24 * 3600_000

describe('createCaMaterial', () => {
  it('builds the SPIFFE CA with the cluster as subject, URI SAN and CA extensions', async () => {
    const now = new Date()
    const m = await sharedCa()
    assert.equal(m.clusterName, 'example.org')
    assert.equal(m.trustDomain.name, 'example.org')
    assert.equal(m.spiffeCa.keyType, 'ecdsa-p256')
    const text = opensslText(m.spiffeCa.certDer)
    assert.match(text, /Subject: O = example\.org, CN = example\.org/)
    assert.match(text, /Issuer: O = example\.org, CN = example\.org/)
    assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:TRUE/)
    assert.match(text, /X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign/)
    assert.match(text, /X509v3 Subject Key Identifier:/)
    assert.match(text, /X509v3 Subject Alternative Name: \n\s+URI:spiffe:\/\/example\.org\n/)
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/)
    const {info} = m.spiffeCa
    assert.ok(Math.abs(info.notBefore.getTime() - (now.getTime() - 60_000)) < 5_000)
    const years = (info.notAfter.getTime() - info.notBefore.getTime()) / (365 * DAY)
    assert.ok(years > 9.99 && years < 10.01, `validity ${years} years`)
    assert.ok(info.serial > 0n)
    // Self-signed and valid per openssl.
    const dir = tempDir()
    await fs.writeFile(join(dir, 'ca.pem'), m.spiffeCa.certPem)
    const r = openssl(['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'ca.pem')])
    assert.equal(r.status, 0, r.stderr)
  })

  it('builds a separate P-256 bot CA without a SPIFFE ID', async () => {
    const m = await sharedCa()
    assert.equal(m.botCa.keyType, 'ecdsa-p256')
    assert.deepEqual(m.botCa.info.uris, [])
    assert.equal(m.botCa.info.subject.commonName, 'example.org')
    assert.deepEqual(m.botCa.info.subject.organization, ['example.org'])
    assert.ok(m.botCa.info.isCA)
    assert.ok(!m.botCa.certDer.equals(m.spiffeCa.certDer))
    assert.ok(!m.botCa.privateKey.equals(m.spiffeCa.privateKey))
  })

  it('defaults the JWT key to RSA-2048 with Teleport\'s kid over the PKCS#1 public key', async () => {
    const m = await sharedCa()
    assert.equal(m.jwtKey.alg, 'RS256')
    assert.equal(m.jwtKey.keyType, 'rsa-2048')
    // Independent computation: openssl writes the PKCS#1 RSAPublicKey; we hash its bytes.
    const dir = tempDir()
    await fs.writeFile(join(dir, 'pub.pem'), m.jwtKey.publicKey.export({type: 'spki', format: 'pem'}))
    const r = openssl(['rsa', '-pubin', '-in', join(dir, 'pub.pem'), '-RSAPublicKey_out', '-outform', 'DER', '-out', join(dir, 'pkcs1.der')])
    assert.equal(r.status, 0, r.stderr)
    const expected = createHash('sha256').update(await fs.readFile(join(dir, 'pkcs1.der'))).digest('base64url')
    assert.equal(m.jwtKey.kid, expected)
    assert.equal(m.jwtKey.kid.length, 43)
  })

  it('supports an RSA-2048 SPIFFE CA and an ES256 JWT key with the kid over the PKIX key', async () => {
    const m = await sharedCa({x509KeyType: 'rsa-2048', jwtKeyType: 'ecdsa-p256'})
    assert.equal(m.spiffeCa.keyType, 'rsa-2048')
    assert.match(opensslText(m.spiffeCa.certDer), /Signature Algorithm: sha256WithRSAEncryption/)
    assert.equal(m.jwtKey.alg, 'ES256')
    const spki = createPublicKey(m.jwtKey.privateKey).export({type: 'spki', format: 'der'})
    assert.equal(m.jwtKey.kid, createHash('sha256').update(spki).digest('base64url'))
    assert.equal(jwtKid(m.jwtKey.privateKey), m.jwtKey.kid)
  })

  it('rejects a cluster name that is not a valid trust domain', async () => {
    await assert.rejects(createCaMaterial({clusterName: 'Example.ORG', now: () => new Date()}), (err: unknown) => {
      assert.ok(err instanceof BadParameterError)
      assert.equal(
        err.message,
        'cluster name "Example.ORG" is not a valid trust domain: trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
      )
      return true
    })
  })
})

describe('saveCaMaterial / loadCaMaterial', () => {
  it('round-trips through PEM files with private modes', async () => {
    const m = await sharedCa()
    const dir = join(tempDir(), 'ca')
    await saveCaMaterial(dir, m)
    assert.equal((await fs.stat(dir)).mode & 0o777, 0o700)
    for (const key of [CA_FILES.spiffeCaKey, CA_FILES.botCaKey, CA_FILES.jwtKey]) {
      assert.equal((await fs.stat(join(dir, key))).mode & 0o777, 0o600, key)
      assert.match(await fs.readFile(join(dir, key), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/)
    }
    assert.equal((await fs.readdir(dir)).sort().join(','), Object.values(CA_FILES).sort().join(','))
    const loaded = await loadCaMaterial(dir)
    assert.equal(loaded.clusterName, 'example.org')
    assert.ok(loaded.trustDomain.equals(m.trustDomain))
    assert.deepEqual(loaded.spiffeCa.certDer, m.spiffeCa.certDer)
    assert.deepEqual(loaded.botCa.certDer, m.botCa.certDer)
    assert.ok(loaded.spiffeCa.privateKey.equals(m.spiffeCa.privateKey))
    assert.ok(loaded.jwtKey.privateKey.equals(m.jwtKey.privateKey))
    assert.equal(loaded.jwtKey.kid, m.jwtKey.kid)
    assert.equal(loaded.jwtKey.alg, 'RS256')
  })

  it('reports an empty directory as NotFoundError', async () => {
    const dir = tempDir()
    await assert.rejects(loadCaMaterial(dir), (err: unknown) => err instanceof NotFoundError && err.message === `no CA material in ${dir}`)
  })

  it('names the corrupt, missing or mismatched file in a CorruptStateError', async () => {
    const m = await sharedCa()
    const other = await sharedCa({clusterName: 'other.org'})
    const cases: Array<[string, (dir: string) => Promise<void>, string, RegExp]> = [
      ['garbage cert', (d) => fs.writeFile(join(d, CA_FILES.spiffeCaCert), 'not a pem'), CA_FILES.spiffeCaCert, /expected one PEM CERTIFICATE block, found 0$/],
      ['garbage key', (d) => fs.writeFile(join(d, CA_FILES.jwtKey), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), CA_FILES.jwtKey, /cannot parse PKCS#8 private key$/],
      ['missing key', (d) => fs.rm(join(d, CA_FILES.botCaKey)), CA_FILES.botCaKey, /missing \(the CA directory is incomplete\)$/],
      ['foreign key', (d) => fs.writeFile(join(d, CA_FILES.botCaKey), other.botCa.privateKey.export({type: 'pkcs8', format: 'pem'})), CA_FILES.botCaCert, /CA certificate does not match its private key$/],
    ]
    for (const [name, damage, file, reason] of cases) {
      const dir = join(tempDir(), 'ca')
      await saveCaMaterial(dir, m)
      await damage(dir)
      await assert.rejects(loadCaMaterial(dir), (err: unknown) => {
        assert.ok(err instanceof CorruptStateError, name)
        assert.ok(err.message.startsWith(join(dir, file) + ': '), `${name}: ${err.message}`)
        assert.match(err.message, reason, name)
        assert.equal(err.code, 'CORRUPT_STATE')
        return true
      })
    }
  })
})
