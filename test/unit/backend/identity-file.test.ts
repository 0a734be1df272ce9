/** Identity files: written in Teleport's order, read back whatever the order, and bad ones named. */
import assert from 'node:assert/strict'
import {X509Certificate, generateKeyPairSync} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'
import {ADMIN_ROLE, isAdminIdentity, signAdminIdentity} from '../../../src/lib/backend/admin-identity.js'
import {decodeIdentityFile, encodeIdentityFile, readIdentityFile} from '../../../src/lib/backend/identity-file.js'
import type {CaMaterial} from '../../../src/lib/ca/ca-material.js'
import {parseClientIdentity} from '../../../src/lib/ca/client-identity.js'
import {makeProductCa} from '../../helpers/pki.js'
import {tempDir} from '../../helpers/tmp.js'

let ca: CaMaterial
before(async () => {
  ca = await makeProductCa({clusterName: 'example.teleport.sh'})
})

describe('admin identity files', () => {
  it('hold the key, a client certificate naming the user with the admin marker, and the cluster TLS CA', () => {
    const now = new Date('2030-01-01T00:00:00Z')
    const {identity, expiresAt} = signAdminIdentity(ca, 'alice', 12 * 3_600_000, () => now)
    assert.equal(expiresAt.toISOString(), '2030-01-01T12:00:00.000Z')
    const text = encodeIdentityFile(identity)
    assert.match(text, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n/)
    const cert = new X509Certificate(identity.certPem)
    assert.ok(cert.verify(ca.botCa.cert.publicKey))
    const id = parseClientIdentity(cert.raw)
    assert.deepEqual(id, {userName: 'alice', roles: [ADMIN_ROLE]})
    assert.equal(isAdminIdentity(id), true)
    assert.equal(isAdminIdentity({...id, botName: 'b'}), false)
    assert.equal(isAdminIdentity({userName: 'bot-b', roles: ['x']}), false)
    assert.deepEqual(identity.caPems, [ca.botCa.certPem])
  })

  it('refuses user names that are not names, or that pose as bots', () => {
    for (const user of ['', 'bot-x', 'a b', 'x\n']) {
      assert.throws(() => signAdminIdentity(ca, user, 60_000, () => new Date()), {code: 'BAD_PARAMETER'})
    }
  })

  it('read back in any order, the certificate found by its key', () => {
    const {identity} = signAdminIdentity(ca, 'admin', 60_000, () => new Date())
    const shuffled = identity.caPems[0]! + identity.certPem + identity.keyPem
    assert.deepEqual(decodeIdentityFile(shuffled, 'x.pem'), identity)
    assert.deepEqual(decodeIdentityFile(encodeIdentityFile(identity), 'x.pem'), identity)
  })

  it('name the file and the problem', async () => {
    const {identity} = signAdminIdentity(ca, 'admin', 60_000, () => new Date())
    const otherKey = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey.export({type: 'pkcs8', format: 'pem'}).toString()
    assert.throws(() => decodeIdentityFile(identity.certPem, 'id.pem'), {code: 'BAD_PARAMETER', message: 'id.pem: not an identity file: no PEM private key found'})
    assert.throws(() => decodeIdentityFile(otherKey + identity.certPem, 'id.pem'), {message: 'id.pem: no certificate in the file matches its private key'})
    const dir = tempDir()
    await assert.rejects(readIdentityFile(join(dir, 'missing.pem')), {message: `${join(dir, 'missing.pem')}: cannot read the identity file: no such file`})
    writeFileSync(join(dir, 'ok.pem'), encodeIdentityFile(identity))
    assert.deepEqual(await readIdentityFile(join(dir, 'ok.pem')), identity)
  })
})
