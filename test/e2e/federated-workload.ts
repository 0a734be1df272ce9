/**
 * A workload for the federation end-to-end test, run as its own process: it fetches its X.509
 * context from its own Workload API, then does mutual TLS with a workload of another trust domain,
 * trusting only that domain's bundle as its own Workload API handed it out and authorizing exactly
 * the peer's SPIFFE ID (go-spiffe's tlsconfig.MTLSServerConfig / MTLSClientConfig with AuthorizeID).
 *
 *   node federated-workload.js server <socket> <peer SPIFFE ID>        → prints {"port": N}, then one {"peer": …} per connection
 *   node federated-workload.js client <socket> <peer SPIFFE ID> <port> → prints {"server": …, "said": …}
 */
import {X509Certificate} from 'node:crypto'
import {connect, createServer, type PeerCertificate, type TLSSocket} from 'node:tls'
import {SpiffeId} from '../../src/lib/spiffe/id.js'
import {WorkloadApiClient} from '../../src/lib/workloadapi/client.js'

const [mode, socket, peerId, port] = process.argv.slice(2) as [string, string, string, string | undefined]
const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n')

const client = await WorkloadApiClient.create({address: socket, timeoutMs: 20_000})
const context = await client.fetchX509Context()
client.close()
const svid = context.svids[0]!
const peerDomain = SpiffeId.parse(peerId).trustDomain.name
const peerBundle = context.bundles.get(peerDomain)
if (peerBundle === undefined) throw new Error(`no bundle for ${peerDomain} from the Workload API (got ${[...context.bundles.keys()].join(', ')})`)
const tlsOptions = {
  cert: svid.certificates.map((c) => c.toString()).join(''),
  key: svid.privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
  ca: peerBundle.authorities.map((c) => c.toString()),
}

/** The peer's SPIFFE ID from its leaf's URI SAN, or why it is not the one authorized. */
function authorize(cert: PeerCertificate | X509Certificate | undefined): Error | undefined {
  const sans = cert instanceof X509Certificate ? cert.subjectAltName : cert?.subjectaltname
  const ids = (sans ?? '').split(', ').filter((s) => s.startsWith('URI:')).map((s) => s.slice(4))
  return ids.length === 1 && ids[0] === peerId ? undefined : new Error(`unexpected peer ID ${ids.join(',')}; want ${peerId}`)
}

if (mode === 'server') {
  const server = createServer({...tlsOptions, requestCert: true, rejectUnauthorized: true}, (conn: TLSSocket) => {
    const refused = authorize(conn.getPeerX509Certificate())
    if (refused !== undefined) {
      out({refused: refused.message})
      conn.destroy()
      return
    }
    out({peer: peerId})
    conn.end(JSON.stringify({hello: svid.spiffeId.toString()}))
  })
  server.listen(0, '127.0.0.1', () => out({port: (server.address() as {port: number}).port}))
} else {
  const conn = connect({
    ...tlsOptions, host: '127.0.0.1', port: Number(port),
    // SPIFFE authorizes the ID in the URI SAN, not a host name (X509-SVID.md §4).
    checkServerIdentity: (_host, cert) => authorize(cert),
  })
  let said = ''
  conn.setEncoding('utf8').on('data', (d: string) => (said += d))
  conn.on('end', () => out({server: authorize(conn.getPeerX509Certificate()) === undefined ? peerId : 'unauthorized', said: JSON.parse(said)}))
  conn.on('error', (err) => {
    out({error: err.message})
    process.exitCode = 1
  })
}
