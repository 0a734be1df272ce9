// An https server speaking SPIFFE mTLS: it presents its own X509-SVID from the Workload API (kept
// current as tbot rotates it) and admits only the client SPIFFE ID given in ALLOWED_ID.
//
//   SPIFFE_ENDPOINT_SOCKET=unix:///run/tbot/server.sock ALLOWED_ID=spiffe://example.org/client \
//     node examples/spiffe/https-server.mjs
import https from 'node:https'
import {X509Source, authorizeID, mtlsServerConfig} from 'svidkit'

const allowed = process.env.ALLOWED_ID
if (!allowed) throw new Error('set ALLOWED_ID to the client SPIFFE ID to admit')
const port = Number(process.env.PORT ?? 8443)

const source = await X509Source.create()
const config = mtlsServerConfig(source, source, authorizeID(allowed))
const server = config.attach(https.createServer(config, (req, res) => {
  const peer = req.socket.getPeerX509Certificate()
  res.end(`hello ${peer?.subjectAltName ?? 'nobody'} from ${source.getX509Svid().id}\n`)
}))
server.on('tlsClientError', (err) => console.error(`refused: ${err.message}`))
server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${server.address().port} as ${source.getX509Svid().id}`))
process.on('SIGTERM', () => {
  server.close()
  source.close()
})
