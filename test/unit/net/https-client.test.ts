import assert from 'node:assert/strict'
import {createServer as createHttpsServer, type Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import {after, before, describe, it} from 'node:test'
import {ConnectionProblemError, NotFoundError, SpiffeIdError} from '../../../src/lib/errors.js'
import {HttpServer} from '../../../src/lib/server/http.js'
import type {Route} from '../../../src/lib/server/router.js'
import {caPin} from '../../../src/lib/net/ca-pin.js'
import {HttpsJsonClient, INSECURE_WARNING, interpretResponse, type HttpsClientOptions} from '../../../src/lib/net/https-client.js'
import {makeClientCert, makeRootCa, makeServerCert, type TestCert} from '../../helpers/pki.js'

interface Caller {
  readonly name: string
}

let root: TestCert
let other: TestCert
let bot: TestCert
let server: HttpServer<Caller>
let bareServer: HttpServer<Caller>
let url: string
let bareUrl: string

const routes: Route<Caller>[] = [
  {method: 'GET', path: '/webapi/ping', auth: 'none', handler: () => ({cluster_name: 'example.com'})},
  {method: 'GET', path: '/v1/whoami', auth: 'required', handler: (req) => ({name: req.caller.name})},
  {method: 'POST', path: '/v1/echo', auth: 'none', handler: (req) => ({got: req.body})},
  {method: 'GET', path: '/v1/bots/:name', auth: 'none', handler: (req) => {
    throw new NotFoundError(`bot "${req.params.name}" not found`)
  }},
  {method: 'GET', path: '/v1/bad-id', auth: 'none', handler: () => {
    throw new SpiffeIdError('SPIFFEID_EMPTY', 'cannot be empty')
  }},
  // Answers only when the client has gone away.
  {method: 'GET', path: '/v1/slow', auth: 'none', handler: (req) => new Promise((r) => req.signal.addEventListener('abort', () => r({late: true})))},
]

before(async () => {
  root = await makeRootCa('cluster')
  other = await makeRootCa('impostor')
  bot = await makeClientCert(root, 'bot-b1')
  const serverCert = await makeServerCert(root)
  // The server presents its CA after its leaf, so a client holding only a pin can check it.
  const options = {
    routes,
    authenticate: ({certificate}: {certificate: {subject: string}}) => ({name: certificate.subject.replace('CN=', '')}),
    limits: {shutdownDeadlineMs: 200},
  }
  server = new HttpServer<Caller>({tls: {cert: serverCert.certPem + root.certPem, key: serverCert.keyPem, clientCas: root.certPem}, ...options})
  url = `https://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`
  // A server that presents only its leaf. (With clientCas set, OpenSSL would complete the chain from
  // that store by itself and send the CA anyway.)
  bareServer = new HttpServer<Caller>({tls: {cert: serverCert.certPem, key: serverCert.keyPem}, routes: routes.slice(0, 1)})
  bareUrl = `https://127.0.0.1:${(await bareServer.listen(0, '127.0.0.1')).port}`
})
after(async () => {
  await server.close()
  await bareServer.close()
})

async function withClient<T>(options: Partial<HttpsClientOptions> & Pick<HttpsClientOptions, 'trust'>, use: (c: HttpsJsonClient) => Promise<T>): Promise<T> {
  const client = await HttpsJsonClient.create({url, ...options})
  try {
    return await use(client)
  } finally {
    await client.close()
  }
}

describe('HttpsJsonClient: trust by CA', () => {
  it('calls a public endpoint without an identity', async () => {
    assert.deepEqual(await withClient({trust: {kind: 'ca', caPem: root.certPem}}, (c) => c.get('/webapi/ping')), {cluster_name: 'example.com'})
  })

  it('presents its identity for mutual TLS', async () => {
    const identity = {certPem: bot.certPem, keyPem: bot.keyPem}
    assert.deepEqual(await withClient({trust: {kind: 'ca', caPem: root.certPem}, identity}, (c) => c.get('/v1/whoami')), {name: 'bot-b1'})
  })

  it('sends and receives JSON', async () => {
    assert.deepEqual(await withClient({trust: {kind: 'ca', caPem: root.certPem}}, (c) => c.post('/v1/echo', {a: 1})), {got: {a: 1}})
  })

  it('turns the server error shape back into the same typed errors', async () => {
    await withClient({trust: {kind: 'ca', caPem: root.certPem}}, async (c) => {
      await assert.rejects(c.get('/v1/bots/b9'), (err: unknown) => {
        assert.ok(err instanceof NotFoundError)
        assert.equal(err.message, 'bot "b9" not found')
        return true
      })
      await assert.rejects(c.get('/v1/whoami'), {name: 'UnauthenticatedError', code: 'UNAUTHENTICATED', message: 'this endpoint requires a client certificate'})
      await assert.rejects(c.get('/v1/bad-id'), (err: unknown) => err instanceof SpiffeIdError && err.code === 'SPIFFEID_EMPTY')
    })
  })

  it('refuses a server its CA did not sign, naming the address', async () => {
    await withClient({trust: {kind: 'ca', caPem: other.certPem}}, async (c) => {
      await assert.rejects(c.get('/webapi/ping'), (err: unknown) => {
        assert.ok(err instanceof ConnectionProblemError)
        assert.equal(err.message, `cannot reach the server at ${url}: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)`)
        return true
      })
    })
  })
})

describe('HttpsJsonClient: trust by CA pin', () => {
  it('connects when the pin matches the CA the server presents', async () => {
    assert.deepEqual(await withClient({trust: {kind: 'pin', pins: [caPin(root.certPem)]}}, (c) => c.get('/webapi/ping')), {cluster_name: 'example.com'})
  })

  it('refuses a wrong pin before sending the request', async () => {
    const wrong = caPin(other.certPem)
    await withClient({trust: {kind: 'pin', pins: [wrong]}}, async (c) => {
      await assert.rejects(c.post('/v1/echo', {secret: 1}), (err: unknown) => {
        assert.ok(err instanceof ConnectionProblemError)
        assert.equal(err.message,
          `${url}: the server's certificate authority does not match the CA pin ${wrong}: no certificate the server presented matches the CA pin. ` +
          'This could have occurred if the cluster CA was rotated, invalidating the old pin; run "tctl status" to compare the pins.')
        return true
      })
    })
  })

  it('refuses when the server does not present its CA', async () => {
    const client = await HttpsJsonClient.create({url: bareUrl, trust: {kind: 'pin', pins: [caPin(root.certPem)]}})
    try {
      await assert.rejects(client.get('/webapi/ping'), {code: 'CONNECTION_PROBLEM', message: /no certificate the server presented matches the CA pin/})
    } finally {
      await client.close()
    }
  })

  it('checks the server name after the pin', async () => {
    await withClient({trust: {kind: 'pin', pins: [caPin(root.certPem)]}, serverName: 'elsewhere.example'}, async (c) => {
      await assert.rejects(c.get('/webapi/ping'), {code: 'CONNECTION_PROBLEM', message: /Host: elsewhere\.example\. is not in the cert's altnames/})
    })
  })

  it('refuses a malformed pin at creation', async () => {
    await assert.rejects(HttpsJsonClient.create({url, trust: {kind: 'pin', pins: ['md5:00']}}), {code: 'BAD_PARAMETER'})
  })
})

describe('HttpsJsonClient: insecure, failures, timeouts', () => {
  it('skips verification in insecure mode and warns loudly', async () => {
    const warnings: string[] = []
    const value = await withClient({trust: {kind: 'insecure'}, warn: (m) => warnings.push(m)}, (c) => c.get('/webapi/ping'))
    assert.deepEqual(value, {cluster_name: 'example.com'})
    assert.deepEqual(warnings, [INSECURE_WARNING])
    assert.match(INSECURE_WARNING, /^WARNING: /)
  })

  it('names the address when nothing listens there', async () => {
    const closed = new HttpServer<Caller>({tls: {cert: root.certPem, key: root.keyPem}, routes: []})
    const {port} = await closed.listen(0, '127.0.0.1')
    await closed.close()
    const client = await HttpsJsonClient.create({url: `https://127.0.0.1:${port}`, trust: {kind: 'ca', caPem: root.certPem}})
    try {
      await assert.rejects(client.get('/webapi/ping'), {
        code: 'CONNECTION_PROBLEM',
        message: `cannot reach the server at https://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
      })
    } finally {
      await client.close()
    }
  })

  it('gives up on a response that does not come in time', async () => {
    await withClient({trust: {kind: 'ca', caPem: root.certPem}, timeoutMs: 200}, async (c) => {
      await assert.rejects(c.get('/v1/slow'), {code: 'CONNECTION_PROBLEM', message: `cannot reach the server at ${url}: Headers Timeout Error (UND_ERR_HEADERS_TIMEOUT)`})
    })
  })

  it('reports a server that is not ours', async () => {
    const serverCert = await makeServerCert(root)
    const plain: Server = createHttpsServer({cert: serverCert.certPem, key: serverCert.keyPem}, (_req, res) => {
      res.writeHead(502, {'content-type': 'text/html'}).end('<html>bad gateway</html>')
    })
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r))
    const port = (plain.address() as AddressInfo).port
    const client = await HttpsJsonClient.create({url: `https://127.0.0.1:${port}`, trust: {kind: 'ca', caPem: root.certPem}})
    try {
      await assert.rejects(client.get('/webapi/ping'), {
        code: 'CONNECTION_PROBLEM',
        message: `GET https://127.0.0.1:${port}/webapi/ping: HTTP 502 with a body that is not JSON; is this the cluster's address?`,
      })
    } finally {
      await client.close()
      plain.close()
    }
  })

  it('interprets responses', () => {
    assert.equal(interpretResponse('w', 204, ''), undefined)
    assert.equal(interpretResponse('w', 200, '"ab"'), 'ab')
    assert.throws(() => interpretResponse('w', 404, '{"message":"x"}'), {code: 'CONNECTION_PROBLEM', message: "w: unexpected HTTP 404 response; is this the cluster's address?"})
    assert.throws(() => interpretResponse('w', 409, '{"error":{"code":"ALREADY_EXISTS","message":"bot exists"}}'), {name: 'AlreadyExistsError', message: 'bot exists'})
  })

  it('refuses a non-https URL', async () => {
    await assert.rejects(HttpsJsonClient.create({url: 'http://127.0.0.1:1', trust: {kind: 'insecure'}}), {name: 'TypeError', message: 'the server URL must be https://, got "http://127.0.0.1:1"'})
  })
})
