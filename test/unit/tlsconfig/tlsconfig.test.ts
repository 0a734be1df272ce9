/**
 * tlsconfig over real TLS on loopback with static sources: SPIFFE mTLS with https, authorization on
 * both sides, the trust-domain binding OpenSSL alone would miss (a leaf of one trust domain signed by
 * another's authority), a foreign trust domain admitted by authorizeMemberOf, and a changed SVID
 * served on the very next connection.
 */
import assert from 'node:assert/strict'
import {X509Certificate} from 'node:crypto'
import {once} from 'node:events'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import tls from 'node:tls'
import {after, before, describe, it} from 'node:test'
import {BundleSet, X509Bundle, X509Svid, TrustDomain, type Authorizer} from '../../../src/index.js'
import {
  authorizeAny, authorizeID, authorizeMemberOf, authorizeOneOf, mtlsClientConfig, mtlsServerConfig, tlsClientConfig, tlsServerConfig,
} from '../../../src/index.js'
import {makeSvid, makeTrustDomainCa, type TrustDomainCa} from '../../helpers/pki.js'

const SERVER_ID = 'spiffe://a.test/server'
const CLIENT_ID = 'spiffe://a.test/client'
const OTHER_ID = 'spiffe://a.test/other'
const FOREIGN_ID = 'spiffe://b.test/partner'

let caA: TrustDomainCa
let caB: TrustDomainCa
let bundles: BundleSet
const svids: Record<string, X509Svid> = {}

async function svid(ca: TrustDomainCa, id: string): Promise<X509Svid> {
  const cert = await makeSvid(ca, id)
  return X509Svid.parse(cert.certPem, cert.keyPem)
}

const staticSvid = (s: X509Svid) => ({getX509Svid: () => s})

/** An mTLS https server answering with the client's SPIFFE ID; the refusals it reported. */
async function server(svidSource: {getX509Svid(): X509Svid}, authorizer: Authorizer, bundleSource = bundles) {
  const config = mtlsServerConfig(svidSource, bundleSource, authorizer)
  const refused: Error[] = []
  const srv = config.attach(https.createServer(config, (req, res) => {
    const peer = (req.socket as tls.TLSSocket).getPeerX509Certificate()
    res.end(peer?.subjectAltName ?? 'none')
  }))
  srv.on('tlsClientError', (err) => refused.push(err))
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  return {srv, port: (srv.address() as AddressInfo).port, refused}
}

function get(port: number, config: object): Promise<{status: number; body: string; serverCert: X509Certificate | undefined}> {
  return new Promise((resolve, reject) => {
    const req = https.get({...config, host: '127.0.0.1', port, path: '/'}, (res) => {
      let body = ''
      const serverCert = (res.socket as tls.TLSSocket).getPeerX509Certificate()
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({status: res.statusCode ?? 0, body, serverCert}))
    })
    req.on('error', reject)
  })
}

describe('tlsconfig with static sources over real TLS', () => {
  const servers: https.Server[] = []
  before(async () => {
    caA = await makeTrustDomainCa('a.test')
    caB = await makeTrustDomainCa('b.test')
    bundles = new BundleSet([X509Bundle.parse(TrustDomain.parse('a.test'), caA.certPem), X509Bundle.parse(TrustDomain.parse('b.test'), caB.certPem)])
    for (const id of [SERVER_ID, CLIENT_ID, OTHER_ID]) svids[id] = await svid(caA, id)
    svids[FOREIGN_ID] = await svid(caB, FOREIGN_ID)
  })
  after(() => {
    for (const s of servers) s.close()
  })
  const track = <T extends {srv: https.Server}>(s: T): T => {
    servers.push(s.srv)
    return s
  }

  it('admits the authorized client, which authorizes the server', async () => {
    const {port} = track(await server(staticSvid(svids[SERVER_ID]!), authorizeID(CLIENT_ID)))
    const r = await get(port, mtlsClientConfig(staticSvid(svids[CLIENT_ID]!), bundles, authorizeID(SERVER_ID)))
    assert.equal(r.status, 200)
    assert.equal(r.body, `URI:${CLIENT_ID}`)
  })

  it('the server refuses a client with another ID before any request is read', async () => {
    let requests = 0
    const {srv, port, refused} = track(await server(staticSvid(svids[SERVER_ID]!), authorizeID(CLIENT_ID)))
    srv.on('request', () => requests++)
    await assert.rejects(get(port, mtlsClientConfig(staticSvid(svids[OTHER_ID]!), bundles, authorizeAny())))
    assert.equal(requests, 0)
    assert.match(String(refused[0]?.message), /^unexpected ID "spiffe:\/\/a\.test\/other"$/)
  })

  it('the client refuses a server with another ID (go-spiffe message)', async () => {
    const {port} = track(await server(staticSvid(svids[OTHER_ID]!), authorizeAny()))
    await assert.rejects(get(port, mtlsClientConfig(staticSvid(svids[CLIENT_ID]!), bundles, authorizeID(SERVER_ID))),
      /unexpected ID "spiffe:\/\/a\.test\/other"/)
  })

  it('a client without a certificate never completes a request', async () => {
    const {port} = track(await server(staticSvid(svids[SERVER_ID]!), authorizeAny()))
    await assert.rejects(get(port, tlsClientConfig(bundles, authorizeAny())))
  })

  it('refuses a leaf naming trust domain b.test signed by a.test\'s authority (trust-domain binding)', async () => {
    const forged = await svid(caA, 'spiffe://b.test/impostor')
    const {port, refused} = track(await server(staticSvid(svids[SERVER_ID]!), authorizeAny()))
    await assert.rejects(get(port, mtlsClientConfig(staticSvid(forged), bundles, authorizeAny())))
    assert.match(String(refused[0]?.message), /^x509svid: could not verify leaf certificate: no path to an authority of trust domain "b\.test"$/)
  })

  it('authorizeMemberOf a foreign trust domain admits its workloads and no others', async () => {
    const {port} = track(await server(staticSvid(svids[SERVER_ID]!), authorizeMemberOf('b.test')))
    const ok = await get(port, mtlsClientConfig(staticSvid(svids[FOREIGN_ID]!), bundles, authorizeID(SERVER_ID)))
    assert.equal(ok.body, `URI:${FOREIGN_ID}`)
    await assert.rejects(get(port, mtlsClientConfig(staticSvid(svids[CLIENT_ID]!), bundles, authorizeAny())))
  })

  it('a foreign workload is refused when its trust domain has no bundle here', async () => {
    const onlyA = new BundleSet([X509Bundle.parse(TrustDomain.parse('a.test'), caA.certPem)])
    const {port} = track(await server(staticSvid(svids[SERVER_ID]!), authorizeAny(), onlyA))
    await assert.rejects(get(port, mtlsClientConfig(staticSvid(svids[FOREIGN_ID]!), bundles, authorizeAny())))
  })

  it('a new SVID is served on the next connection, without a restart', async () => {
    let current = svids[SERVER_ID]!
    const {port} = track(await server({getX509Svid: () => current}, authorizeAny()))
    const client = mtlsClientConfig(staticSvid(svids[CLIENT_ID]!), bundles, authorizeOneOf(SERVER_ID))
    const first = await get(port, client)
    current = await svid(caA, SERVER_ID)
    const second = await get(port, client)
    assert.equal(first.serverCert?.serialNumber, svids[SERVER_ID]!.leaf.serialNumber)
    assert.equal(second.serverCert?.serialNumber, current.leaf.serialNumber)
  })

  it('a source that fails (closed) refuses connections without bringing the server down, then recovers', async () => {
    let closed = false
    const flaky = {getX509Svid: () => {
      if (closed) throw new Error('x509source: source is closed')
      return svids[SERVER_ID]!
    }}
    const {port, refused} = track(await server(flaky, authorizeAny()))
    const client = mtlsClientConfig(staticSvid(svids[CLIENT_ID]!), bundles, authorizeAny())
    closed = true
    await assert.rejects(get(port, client))
    assert.equal(refused[0]?.message, 'x509source: source is closed')
    closed = false
    assert.equal((await get(port, client)).status, 200)
  })

  it('a server made with the options but never attached refuses every handshake', async () => {
    const config = mtlsServerConfig(staticSvid(svids[SERVER_ID]!), bundles, authorizeAny())
    const srv = https.createServer(config, (_req, res) => res.end('unreachable'))
    servers.push(srv)
    srv.listen(0, '127.0.0.1')
    await once(srv, 'listening')
    await assert.rejects(get((srv.address() as AddressInfo).port, mtlsClientConfig(staticSvid(svids[CLIENT_ID]!), bundles, authorizeAny())))
  })

  it('one-sided TLS: tlsServerConfig with a tlsClientConfig client over node:tls', async () => {
    const config = tlsServerConfig(staticSvid(svids[SERVER_ID]!))
    const srv = config.attach(tls.createServer(config, (socket) => socket.end('hi')))
    servers.push(srv as unknown as https.Server)
    srv.listen(0, '127.0.0.1')
    await once(srv, 'listening')
    const socket = tls.connect({...tlsClientConfig(bundles, authorizeID(SERVER_ID)), host: '127.0.0.1', port: (srv.address() as AddressInfo).port})
    let data = ''
    socket.setEncoding('utf8').on('data', (d: string) => (data += d))
    await once(socket, 'end')
    assert.equal(data, 'hi')
  })
})
