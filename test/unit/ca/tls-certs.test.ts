import assert from 'node:assert/strict'
import {X509Certificate, generateKeyPairSync} from 'node:crypto'
import {once} from 'node:events'
import {connect, createServer, type TLSSocket} from 'node:tls'
import {describe, it} from 'node:test'
import {issueClientCert, parseClientIdentity} from '../../../src/lib/ca/client-identity.js'
import {toPem} from '../../../src/lib/ca/pem.js'
import {issueServerCert} from '../../../src/lib/ca/profiles.js'
import {BadParameterError} from '../../../src/lib/errors.js'
import {opensslText, opensslVerify} from '../../helpers/openssl.js'
import {sharedCa} from '../../helpers/pki.js'
import {tempDir} from '../../helpers/tmp.js'

const now = () => new Date()

describe('issueClientCert (bot and admin identities)', () => {
  it('carries user name, roles and bot name, EKU clientAuth, and reads back', async () => {
    const ca = await sharedCa()
    const key = generateKeyPairSync('ec', {namedCurve: 'P-256'})
    const issued = issueClientCert({ca: ca.botCa, publicKey: key.publicKey, userName: 'bot-my-bot', roles: ['bot-my-bot', 'access'], botName: 'my-bot', ttlMs: 600_000, now})
    const v = opensslVerify(tempDir(), [ca.botCa.certDer], issued.der, {purpose: 'sslclient'})
    assert.equal(v.status, 0, v.stderr)
    const text = opensslText(issued.der)
    assert.match(text, /Subject: O = bot-my-bot \+ O = access, CN = bot-my-bot\n/)
    assert.match(text, /X509v3 Extended Key Usage: \n\s+TLS Web Client Authentication\n/)
    assert.match(text, /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/)
    assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:FALSE/)
    assert.match(text, /1\.3\.9999\.4242\.1: \n/)
    assert.doesNotMatch(text, /Subject Alternative Name/)
    assert.deepEqual(parseClientIdentity(issued.der), {userName: 'bot-my-bot', roles: ['bot-my-bot', 'access'], botName: 'my-bot'})
    // Not a server certificate.
    assert.notEqual(opensslVerify(tempDir(), [ca.botCa.certDer], issued.der, {purpose: 'sslserver'}).status, 0)
  })

  it('omits the bot extension for an admin and refuses empty names', async () => {
    const ca = await sharedCa()
    const publicKey = generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey
    const admin = issueClientCert({ca: ca.botCa, publicKey, userName: 'alice', roles: [], ttlMs: 60_000, now})
    assert.deepEqual(parseClientIdentity(admin.der), {userName: 'alice', roles: []})
    assert.throws(() => issueClientCert({ca: ca.botCa, publicKey, userName: '', roles: [], ttlMs: 60_000, now}), (e: unknown) => e instanceof BadParameterError && e.message === 'a client certificate needs a user name')
    assert.throws(() => parseClientIdentity(Buffer.from('3000', 'hex')), (e: unknown) => e instanceof BadParameterError && e.message.startsWith('malformed client certificate: '))
  })
})

describe('issueServerCert', () => {
  it('covers DNS and IP SANs and serves a mutually authenticated TLS connection', async () => {
    const ca = await sharedCa()
    const serverKey = generateKeyPairSync('ec', {namedCurve: 'P-256'})
    const server = issueServerCert({ca: ca.botCa, publicKey: serverKey.publicKey, hosts: ['localhost', '127.0.0.1', '::1'], ttlMs: 3600_000, now})
    const text = opensslText(server.der)
    assert.match(text, /Subject: CN = localhost\n/)
    assert.match(text, /X509v3 Subject Alternative Name: \n\s+DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1\n/)
    assert.match(text, /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/)
    assert.equal(opensslVerify(tempDir(), [ca.botCa.certDer], server.der, {purpose: 'sslserver'}).status, 0)
    assert.equal(new X509Certificate(server.der).checkIP('::1'), '::1')

    const clientKey = generateKeyPairSync('ec', {namedCurve: 'P-256'})
    const client = issueClientCert({ca: ca.botCa, publicKey: clientKey.publicKey, userName: 'bot-ci', roles: ['ci'], botName: 'ci', ttlMs: 600_000, now})
    const tlsServer = createServer({
      key: serverKey.privateKey.export({type: 'pkcs8', format: 'pem'}),
      cert: toPem('CERTIFICATE', server.der),
      ca: ca.botCa.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    })
    let accepted = 0
    const peer = new Promise<Buffer>((resolve) =>
      tlsServer.on('secureConnection', (s: TLSSocket) => {
        accepted++
        resolve(s.getPeerCertificate().raw)
        s.end('hi')
      }),
    )
    const clientErrors: string[] = []
    tlsServer.on('tlsClientError', (e: Error) => clientErrors.push(e.message))
    tlsServer.listen(0, '127.0.0.1')
    await once(tlsServer, 'listening')
    const {port} = tlsServer.address() as {port: number}
    try {
      for (const host of ['localhost', '127.0.0.1']) {
        const socket = connect({host, port, servername: host === 'localhost' ? host : undefined, ca: ca.botCa.certPem, key: clientKey.privateKey.export({type: 'pkcs8', format: 'pem'}), cert: toPem('CERTIFICATE', client.der)})
        await once(socket, 'secureConnect')
        assert.equal(socket.authorized, true, String(socket.authorizationError))
        // TLS 1.3: the server checks the client certificate after the client's handshake ends.
        const [data] = (await once(socket, 'data')) as [Buffer]
        assert.equal(data.toString(), 'hi')
        socket.destroy()
      }
      assert.deepEqual(parseClientIdentity(await peer), {userName: 'bot-ci', roles: ['ci'], botName: 'ci'})
      // A client certificate from another cluster's bot CA is refused by the handshake.
      const foreign = await sharedCa({clusterName: 'other.org'})
      const stranger = issueClientCert({ca: foreign.botCa, publicKey: clientKey.publicKey, userName: 'bot-ci', roles: ['ci'], ttlMs: 600_000, now})
      const refused = once(tlsServer, 'tlsClientError')
      const bad = connect({host: '127.0.0.1', port, ca: ca.botCa.certPem, key: clientKey.privateKey.export({type: 'pkcs8', format: 'pem'}), cert: toPem('CERTIFICATE', stranger.der)})
      let received = ''
      bad.on('data', (d: Buffer) => (received += d.toString()))
      bad.on('error', () => {})
      await Promise.all([once(bad, 'close'), refused])
      assert.equal(received, '')
      assert.equal(accepted, 2)
      assert.equal(clientErrors.length, 1)
    } finally {
      tlsServer.close()
    }
  })

  it('needs at least one host', async () => {
    const ca = await sharedCa()
    assert.throws(
      () => issueServerCert({ca: ca.botCa, publicKey: generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey, hosts: [], ttlMs: 1000, now}),
      (e: unknown) => e instanceof BadParameterError && e.message === 'a server certificate needs at least one host name or IP address',
    )
  })
})
