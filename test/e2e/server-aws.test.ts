/**
 * The AWS OIDC federation seed end to end against a running server on 127.0.0.1, with the real
 * binaries: remote `tctl` (identity file) sets up the workload identity, role and bot; a remote `tbot`
 * joins by CA pin and writes a JWT-SVID; PyJWT (an independent verifier) checks it against the
 * served discovery document and JWKS; `tctl thumbprint` equals openssl's SHA-1 of the last
 * certificate the server presents.
 */
import assert from 'node:assert/strict'
import {execFile, spawnSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {decodeIdentityFile} from '../../src/lib/backend/identity-file.js'
import {REPO, cliEnv, start} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'

const SEEDS = join(REPO, 'test/fixtures/seeds')
const PYTHON = '/usr/bin/python3'
const hasPyJwt = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import jwt, cryptography'], {timeout: 20_000}).status === 0

/** Fetches discovery, follows jwks_uri, verifies like a relying party would; prints the claims. */
const VERIFY_PY = `
import json, ssl, sys, urllib.request, jwt
issuer, token, cafile = sys.argv[1], open(sys.argv[2]).read().strip(), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
get = lambda url: json.load(urllib.request.urlopen(url, context=ctx))
discovery = get(issuer + "/.well-known/openid-configuration")
assert discovery["issuer"] == issuer, discovery
jwks = jwt.PyJWKSet.from_dict(get(discovery["jwks_uri"]))
kid = jwt.get_unverified_header(token)["kid"]
key = next(k for k in jwks.keys if k.key_id == kid)
claims = jwt.decode(token, key.key, algorithms=discovery["id_token_signing_alg_values_supported"],
                    audience="sts.amazonaws.com", issuer=discovery["issuer"])
print(json.dumps({"sub": claims["sub"], "aud": claims["aud"], "iss": claims["iss"]}, sort_keys=True))
`

function openssl(args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, {timeout: 20_000}, (err, stdout) => (err ? reject(err) : resolve(stdout)))
    child.stdin!.end(input)
  })
}

let server: TestServer
let env: NodeJS.ProcessEnv
const tctl = async (...args: string[]) => {
  const r = await start('tctl', args, {env, cwd: server.dir}).done
  assert.equal(r.code, 0, `tctl ${args.join(' ')}: ${r.stderr}`)
  return r
}

before(async () => {
  server = await startTestServer()
  // Teleport's env vars select the remote backend; no data directory is given to tctl at all.
  env = cliEnv({TELEPORT_AUTH_SERVER: server.addr, TELEPORT_IDENTITY_FILE: server.identityFile, SVIDKIT_DATA_DIR: join(server.dir, 'unused')})
})
after(() => server.stop())

describe('the AWS OIDC federation guide against the server', () => {
  let jwtFile: string

  it('sets up the workload identity, the role and the bot with remote tctl', async () => {
    await tctl('bots', 'add', 'my-bot', '--roles=')
    assert.equal((await tctl('create', '-f', join(SEEDS, 'aws-workload-identity.yaml'))).stdout, 'Workload Identity "example-workload-identity" has been created\n')
    assert.equal((await tctl('create', '-f', join(SEEDS, 'aws-role.yaml'))).stdout, 'role "example-workload-identity-issuer" has been created\n')
    const r = await tctl('bots', 'update', 'my-bot', '--add-roles', 'example-workload-identity-issuer')
    assert.equal(r.stderr, 'Bot has been updated, roles will take effect on its next renewal\n')
    assert.equal(existsSync(join(server.dir, 'unused')), false)
  })

  it('issues a JWT-SVID to a remote tbot that joins by CA pin', async () => {
    const status = await tctl('status')
    const pin = /CA pin: +(sha256:[0-9a-f]{64})/.exec(status.stdout)?.[1]
    assert.equal(pin, server.caPin)
    const {token_id: token} = JSON.parse((await tctl('bots', 'add', 'aws-bot', '--roles', 'example-workload-identity-issuer', '--format', 'json')).stdout)
    jwtFile = join(server.dir, 'jwt', 'jwt_svid')
    const r = await start('tbot', [
      'start', 'workload-identity-jwt', '--auth-server', server.addr, '--ca-pin', pin!, '--token', token, '--oneshot',
      '--storage', join(server.dir, 'bot'), '--destination', join(server.dir, 'jwt'),
      '--name-selector', 'example-workload-identity', '--audience', 'sts.amazonaws.com',
    ], {env: cliEnv()}).done
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /Joined the cluster/)
    assert.match(readFileSync(jwtFile, 'utf8'), /^[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('serves the discovery document naming the issuer and its JWKS URL', async () => {
    const caFile = join(server.dir, 'ca.pem')
    writeFileSync(caFile, decodeIdentityFile(readFileSync(server.identityFile, 'utf8'), 'admin.pem').caPems.join(''))
    const out = await openssl(['s_client', '-connect', server.addr, '-CAfile', caFile, '-verify_return_error', '-quiet'],
      'GET /workload-identity/.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
    const body = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4))
    const issuer = `${server.url}/workload-identity`
    assert.deepEqual(body, {
      issuer, jwks_uri: `${issuer}/jwt-jwks.json`, claims: ['iss', 'sub', 'jti', 'aud', 'exp', 'iat'],
      id_token_signing_alg_values_supported: ['RS256'], response_types_supported: ['id_token'], subject_types_supported: ['public'],
    })
  })

  it('the JWT-SVID verifies with PyJWT against the served JWKS', {skip: hasPyJwt ? false : 'needs /usr/bin/python3 with python3-jwt'}, () => {
    const caFile = join(server.dir, 'ca.pem')
    const r = spawnSync(PYTHON, ['-c', VERIFY_PY, `${server.url}/workload-identity`, jwtFile, caFile], {encoding: 'utf8', timeout: 30_000})
    assert.equal(r.status, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), {
      aud: ['sts.amazonaws.com'], iss: `${server.url}/workload-identity`, sub: 'spiffe://example.teleport.sh/svc/example-service',
    })
  })

  it('tctl thumbprint equals openssl\'s SHA-1 of the last certificate presented', async () => {
    const shown = await openssl(['s_client', '-showcerts', '-connect', server.addr], '')
    const chain = [...shown.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g)].map((m) => m[0])
    assert.equal(chain.length, 2)
    const fingerprint = await openssl(['x509', '-fingerprint', '-sha1', '-noout'], chain.at(-1)!)
    const expected = fingerprint.trim().replace(/^.*=/, '').replaceAll(':', '').toLowerCase()
    assert.equal((await tctl('thumbprint')).stdout, `${expected}\n`)
    assert.equal((await tctl('thumbprint', server.addr)).stdout, `${expected}\n`)
  })
})
