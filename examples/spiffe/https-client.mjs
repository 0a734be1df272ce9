// A client calling the https server over SPIFFE mTLS with undici's fetch: it presents its own
// X509-SVID and accepts only the server SPIFFE ID given in SERVER_ID.
//
//   SPIFFE_ENDPOINT_SOCKET=unix:///run/tbot/client.sock SERVER_ID=spiffe://example.org/server \
//     node examples/spiffe/https-client.mjs https://127.0.0.1:8443/
import {fetch} from 'undici'
import {X509Source, authorizeID, mtlsClientConfig, undiciAgent} from 'svidkit'

const serverId = process.env.SERVER_ID
if (!serverId) throw new Error('set SERVER_ID to the server SPIFFE ID to accept')
const url = process.argv[2] ?? 'https://127.0.0.1:8443/'

const source = await X509Source.create()
const dispatcher = undiciAgent(mtlsClientConfig(source, source, authorizeID(serverId)))
try {
  const res = await fetch(url, {dispatcher})
  process.stdout.write(await res.text())
} finally {
  await dispatcher.close()
  source.close()
}
