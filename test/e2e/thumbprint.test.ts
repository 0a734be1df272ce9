/**
 * The AWS OIDC thumbprint (Teleport's lib/integrations/awsoidc/idp_thumbprint.go) against real TLS servers on 127.0.0.1, compared with what
 * `openssl s_client -showcerts` sees and `openssl x509 -fingerprint -sha1` computes, through the library,
 * the server's /webapi/thumbprint route and the real `tctl thumbprint` binary.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {createServer as createNetServer, type AddressInfo} from 'node:net'
import {join} from 'node:path'
import {createServer, type Server, type TlsOptions} from 'node:tls'
import {after, before, describe, it} from 'node:test'
import {HttpServer} from '../../src/lib/server/http.js'
import {computeThumbprint, dialPresentedChain, fetchThumbprint} from '../../src/lib/net/thumbprint-dial.js'
import {thumbprintRoute} from '../../src/lib/server/thumbprint.js'
import {HttpsJsonClient} from '../../src/lib/net/https-client.js'
import {cliEnv, start} from '../helpers/cli.js'
import {tempDir} from '../helpers/tmp.js'
import {makeIntermediateCa, makeRootCa, makeSelfSignedServerCert, makeServerCert, type TestCert} from '../helpers/pki.js'

function openssl(args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, {timeout: 20_000}, (err, stdout) => (err ? reject(err) : resolve(stdout)))
    child.stdin!.end(input)
  })
}

/** The chain as `openssl s_client -showcerts` prints it: PEM blocks in presented order. */
async function opensslPresentedChain(port: number, extra: string[] = []): Promise<string[]> {
  const out = await openssl(['s_client', '-showcerts', '-connect', `127.0.0.1:${port}`, ...extra])
  return [...out.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g)].map((m) => m[0])
}

async function opensslSha1(pem: string): Promise<string> {
  const out = await openssl(['x509', '-fingerprint', '-sha1', '-noout'], pem)
  return out.trim().replace(/^.*=/, '').replaceAll(':', '').toLowerCase()
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64')
}

async function tlsServer(options: TlsOptions): Promise<{server: Server; port: number}> {
  const server = createServer(options, (socket) => socket.end())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {server, port: (server.address() as AddressInfo).port}
}

let root: TestCert
let intermediate: TestCert
let leaf: TestCert
let selfSigned: TestCert
let unrelated: TestCert

before(async () => {
  root = await makeRootCa('thumb-root')
  intermediate = await makeIntermediateCa('thumb-intermediate', root)
  leaf = await makeServerCert(intermediate)
  selfSigned = await makeSelfSignedServerCert()
  unrelated = await makeRootCa('thumb-unrelated')
})

for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
  describe(`thumbprint of a leaf + intermediate chain, root not sent (${maxVersion})`, () => {
    let port: number
    let server: Server
    before(async () => {
      ;({server, port} = await tlsServer({cert: leaf.certPem + intermediate.certPem, key: leaf.keyPem, maxVersion}))
    })
    after(() => server.close())

    it('reads the chain exactly as openssl s_client -showcerts shows it: leaf and intermediate, no root', async () => {
      const ours = await dialPresentedChain({host: '127.0.0.1', port}, {timeoutMs: 10_000})
      const theirs = (await opensslPresentedChain(port)).map(derOf)
      assert.equal(theirs.length, 2)
      assert.deepEqual(ours, theirs)
      assert.deepEqual(ours, [leaf.der, intermediate.der])
    })

    it('is the SHA-1 of the intermediate, as openssl computes it', async () => {
      const chain = await opensslPresentedChain(port)
      const expected = await opensslSha1(chain.at(-1)!)
      assert.equal(expected, await opensslSha1(intermediate.certPem))
      assert.equal(computeThumbprint(chain.map(derOf)), expected)
      assert.equal(await fetchThumbprint(`127.0.0.1:${port}`), expected)
      assert.equal(await fetchThumbprint(`https://127.0.0.1:${port}/workload-identity`), expected)
    })
  })
}

describe('thumbprint of an unusual chain', () => {
  it('keeps the presented order even when it is not issuer order (what AWS hashes is the last one sent)', async () => {
    const {server, port} = await tlsServer({cert: leaf.certPem + root.certPem + intermediate.certPem, key: leaf.keyPem})
    try {
      const theirs = await opensslPresentedChain(port)
      assert.equal(theirs.length, 3)
      assert.deepEqual(await dialPresentedChain({host: '127.0.0.1', port}, {timeoutMs: 10_000}), theirs.map(derOf))
      assert.equal(await fetchThumbprint(`127.0.0.1:${port}`), await opensslSha1(intermediate.certPem))
    } finally {
      server.close()
    }
  })

  it('keeps a certificate that issued nothing in the chain (getPeerCertificate(true) would drop it)', async () => {
    const {server, port} = await tlsServer({cert: leaf.certPem + intermediate.certPem + unrelated.certPem, key: leaf.keyPem})
    try {
      const theirs = await opensslPresentedChain(port)
      assert.deepEqual(theirs.map(derOf), [leaf.der, intermediate.der, unrelated.der])
      assert.deepEqual(await dialPresentedChain({host: '127.0.0.1', port}, {timeoutMs: 10_000}), theirs.map(derOf))
      assert.equal(await fetchThumbprint(`127.0.0.1:${port}`), await opensslSha1(theirs[2]!))
    } finally {
      server.close()
    }
  })

  it('is the certificate itself for a self-signed server', async () => {
    const {server, port} = await tlsServer({cert: selfSigned.certPem, key: selfSigned.keyPem})
    try {
      const theirs = await opensslPresentedChain(port)
      assert.equal(theirs.length, 1)
      const expected = await opensslSha1(theirs[0]!)
      assert.equal(expected, await opensslSha1(selfSigned.certPem))
      assert.equal(await fetchThumbprint(`127.0.0.1:${port}`), expected)
    } finally {
      server.close()
    }
  })

  it('reads a TLS 1.3 chain after a HelloRetryRequest', async () => {
    // The client's first key share is X25519; a P-384-only server makes it retry.
    const {server, port} = await tlsServer({cert: leaf.certPem + intermediate.certPem, key: leaf.keyPem, ecdhCurve: 'P-384'})
    try {
      assert.deepEqual(await dialPresentedChain({host: '127.0.0.1', port}, {timeoutMs: 10_000}), [leaf.der, intermediate.der])
    } finally {
      server.close()
    }
  })

  it('gives up on a server that never completes the handshake', async () => {
    const silent = createNetServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as AddressInfo).port
    try {
      await assert.rejects(fetchThumbprint(`127.0.0.1:${port}`, {timeoutMs: 200}),
        {code: 'CONNECTION_PROBLEM', message: `127.0.0.1:${port}: TLS handshake did not complete within 200 ms`})
    } finally {
      silent.close()
    }
  })

  it('names the address when nothing listens', async () => {
    const {server, port} = await tlsServer({cert: selfSigned.certPem, key: selfSigned.keyPem})
    await new Promise((r) => server.close(r))
    await assert.rejects(fetchThumbprint(`127.0.0.1:${port}`), {code: 'CONNECTION_PROBLEM', message: `127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`})
  })
})

describe('GET /webapi/thumbprint', () => {
  it('dials the proxy public address and returns the thumbprint as a JSON string', async () => {
    let publicAddr = ''
    const server = new HttpServer({tls: {cert: leaf.certPem + intermediate.certPem, key: leaf.keyPem}, routes: [thumbprintRoute(() => publicAddr)]})
    const {port} = await server.listen(0, '127.0.0.1')
    publicAddr = `127.0.0.1:${port}`
    const client = await HttpsJsonClient.create({url: `https://127.0.0.1:${port}`, trust: {kind: 'ca', caPem: root.certPem}})
    try {
      assert.equal(await client.get('/webapi/thumbprint'), await opensslSha1(intermediate.certPem))
    } finally {
      await client.close()
      await server.close()
    }
  })
})

describe('tctl thumbprint (the built binary)', () => {
  let port: number
  let server: Server
  let rootFile: string
  before(async () => {
    ;({server, port} = await tlsServer({cert: leaf.certPem + intermediate.certPem, key: leaf.keyPem}))
    rootFile = join(tempDir(), 'root.pem')
    writeFileSync(rootFile, root.certPem)
  })
  after(() => server.close())

  it('prints the thumbprint openssl computes for the last presented certificate', async () => {
    const chain = await opensslPresentedChain(port)
    const r = await start('tctl', ['thumbprint', `127.0.0.1:${port}`]).done
    assert.equal(r.stderr, '')
    assert.equal(r.code, 0)
    assert.equal(r.stdout, (await opensslSha1(chain.at(-1)!)) + '\n')
  })

  it('is not fooled by a root the client trusts but the server did not send', async () => {
    // With the root in Node's trust store, getPeerCertificate(true) would append it to the chain.
    // The chain is leaf + intermediate, so the thumbprint is the intermediate's, not the trusted root's.
    const r = await start('tctl', ['thumbprint', `https://127.0.0.1:${port}`, '--json'], {env: {...cliEnv(), NODE_EXTRA_CA_CERTS: rootFile}}).done
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), {thumbprint: await opensslSha1(intermediate.certPem)})
  })

  it('asks for a URL when no auth server is configured', async () => {
    const r = await start('tctl', ['thumbprint']).done
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    assert.equal(r.stderr, 'ERROR: no auth server configured; pass a URL\n')
  })
})
