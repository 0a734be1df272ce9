// JWT-SVIDs: an http server that admits callers bearing a JWT-SVID for its audience, and a call to it
// with the workload's own JWT-SVID — both from the same Workload API socket, in one process.
//
//   SPIFFE_ENDPOINT_SOCKET=unix:///run/tbot/workload.sock node examples/spiffe/jwt-bearer.mjs
import http from 'node:http'
import {fetch} from 'undici'
import {JwtSource, jwtBearerGate} from 'svidkit'

const audience = process.env.AUDIENCE ?? 'spiffe-example-api'
const source = await JwtSource.create()
const gate = jwtBearerGate(source, {audience})
const server = http.createServer(async (req, res) => {
  const caller = await gate(req, res)
  if (caller !== undefined) res.end(`hello ${caller.id}\n`)
})
server.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const url = `http://127.0.0.1:${server.address().port}/`
try {
  const svid = await source.fetchJwtSvid({audience})
  const withToken = await fetch(url, {headers: {authorization: `Bearer ${svid.marshal()}`}})
  process.stdout.write(`with a JWT-SVID: ${withToken.status} ${await withToken.text()}`)
  const without = await fetch(url)
  process.stdout.write(`without: ${without.status} ${await without.text()}`)
} finally {
  server.close()
  source.close()
}
