import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {createLocalJWKSet, jwtVerify} from 'jose'
import * as der from '../../../src/lib/ca/fast-leaf/der.js'
import {jwksFromKeys} from '../../../src/lib/ca/jwk.js'
import {signJwtSvid, type SignJwtSvidParams} from '../../../src/lib/ca/fast-leaf/jwt.js'
import {BadParameterError} from '../../../src/lib/errors.js'
import {issuerUrl, openIdConfiguration} from '../../../src/lib/oidc.js'
import {fixedClock, sharedCa} from '../../helpers/pki.js'
import {openssl} from '../../helpers/openssl.js'
import {tempDir} from '../../helpers/tmp.js'

const ISSUER = 'https://proxy.example.org/workload-identity'
const decode = (segment: string): unknown => JSON.parse(Buffer.from(segment, 'base64url').toString())

async function sign(overrides: Partial<SignJwtSvidParams> = {}, caOpts: Parameters<typeof sharedCa>[0] = {}) {
  const {jwtKey} = await sharedCa(caOpts)
  return signJwtSvid({
    key: jwtKey.privateKey, kid: jwtKey.kid, alg: jwtKey.alg, issuer: ISSUER, spiffeId: 'spiffe://example.org/svc/api',
    audiences: ['aws'], ttlMs: 300_000, now: fixedClock('2026-01-15T12:00:00.750Z'), ...overrides,
  })
}

/** The ECDSA signature r||s (JOSE) as the DER SEQUENCE openssl wants. */
function joseToDer(sig: Buffer): Buffer {
  return der.sequence(der.unsignedIntegerFromBytes(sig.subarray(0, 32)), der.unsignedIntegerFromBytes(sig.subarray(32)))
}

function opensslVerifies(token: string, publicKeyPem: string, ecdsa: boolean): boolean {
  const dir = tempDir()
  const [h, p, s] = token.split('.') as [string, string, string]
  const raw = Buffer.from(s, 'base64url')
  writeFileSync(join(dir, 'pub.pem'), publicKeyPem)
  writeFileSync(join(dir, 'sig.der'), ecdsa ? joseToDer(raw) : raw)
  writeFileSync(join(dir, 'input'), `${h}.${p}`)
  const r = openssl(['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.der'), join(dir, 'input')])
  return r.status === 0 && r.stdout.trim() === 'Verified OK'
}

describe('signJwtSvid', () => {
  it('writes Teleport\'s header and claims (lib/jwt/jwt.go)', async () => {
    const {jwtKey} = await sharedCa()
    const s = await sign({audiences: ['aws', 'gcp']})
    const [h, p] = s.token.split('.') as [string, string]
    assert.equal(Buffer.from(h, 'base64url').toString(), `{"alg":"RS256","kid":"${jwtKey.kid}","typ":"JWT"}`)
    assert.deepEqual(decode(p), {aud: ['aws', 'gcp'], exp: 1768478700, iat: 1768478400, iss: ISSUER, jti: s.jti, sub: 'spiffe://example.org/svc/api'})
    assert.match(s.jti, /^[0-9a-f]{32}$/)
    assert.equal(s.expiresAt.toISOString(), '2026-01-15T12:05:00.000Z')
    assert.equal(s.issuedAt.toISOString(), '2026-01-15T12:00:00.000Z')
    assert.notEqual((await sign()).jti, s.jti)
    assert.equal(Object.keys(decode(p) as object).join(','), 'aud,exp,iat,iss,jti,sub')
  })

  it('RS256 tokens verify with openssl dgst and with jose against our JWKS', async () => {
    const {jwtKey} = await sharedCa()
    const s = await sign()
    assert.ok(opensslVerifies(s.token, jwtKey.publicKey.export({type: 'spki', format: 'pem'}).toString(), false))
    const jwks = createLocalJWKSet(jwksFromKeys([jwtKey]) as Parameters<typeof createLocalJWKSet>[0])
    const {payload, protectedHeader} = await jwtVerify(s.token, jwks, {issuer: ISSUER, audience: 'aws', currentDate: new Date('2026-01-15T12:01:00Z'), algorithms: ['RS256']})
    assert.equal(payload.sub, 'spiffe://example.org/svc/api')
    assert.equal(protectedHeader.kid, jwtKey.kid)
    const tampered = s.token.slice(0, -4) + (s.token.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    assert.ok(!opensslVerifies(tampered, jwtKey.publicKey.export({type: 'spki', format: 'pem'}).toString(), false))
  })

  it('ES256 tokens carry r||s signatures that openssl (as DER) and jose verify', async () => {
    const caOpts = {x509KeyType: 'rsa-2048' as const, jwtKeyType: 'ecdsa-p256' as const}
    const {jwtKey} = await sharedCa(caOpts)
    const s = await sign({}, caOpts)
    const [h] = s.token.split('.') as [string]
    assert.deepEqual(decode(h), {alg: 'ES256', kid: jwtKey.kid, typ: 'JWT'})
    assert.equal(Buffer.from(s.token.split('.')[2]!, 'base64url').length, 64)
    assert.ok(opensslVerifies(s.token, jwtKey.publicKey.export({type: 'spki', format: 'pem'}).toString(), true))
    const jwks = createLocalJWKSet(jwksFromKeys([jwtKey]) as Parameters<typeof createLocalJWKSet>[0])
    const {payload} = await jwtVerify(s.token, jwks, {audience: 'aws', currentDate: new Date('2026-01-15T12:01:00Z')})
    assert.equal(payload.iss, ISSUER)
  })

  it('adds extra claims in sorted order and refuses to override registered ones', async () => {
    const s = await sign({extraClaims: {zeta: 1, alpha: {b: 2, a: [{d: 1, c: 2}]}}})
    const p = Buffer.from(s.token.split('.')[1]!, 'base64url').toString()
    assert.match(p, /^\{"alpha":\{"a":\[\{"c":2,"d":1\}\],"b":2\},"aud":\["aws"\],"exp":\d+,"iat":\d+,"iss":"[^"]+","jti":"[0-9a-f]{32}","sub":"[^"]+","zeta":1\}$/)
    for (const name of ['iss', 'sub', 'aud', 'jti', 'iat', 'exp', 'nbf']) {
      await assert.rejects(sign({extraClaims: {[name]: 'x'}}), (e: unknown) => e instanceof BadParameterError && e.message === `extra claim "${name}" would override a registered claim`)
    }
  })

  it('validates its parameters', async () => {
    const {jwtKey} = await sharedCa()
    await assert.rejects(sign({audiences: []}), (e: unknown) => e instanceof BadParameterError && e.message === 'at least one audience should be specified')
    await assert.rejects(sign({ttlMs: -1}), (e: unknown) => e instanceof BadParameterError && e.message === 'ttl must be positive, got -1 ms')
    await assert.rejects(sign({alg: 'ES256'}), (e: unknown) => e instanceof BadParameterError && e.message === 'key type rsa cannot sign ES256')
    await assert.rejects(sign({spiffeId: 'http://x'}), /scheme is missing or invalid/)
    assert.equal(jwtKey.alg, 'RS256')
  })
})

describe('jwksFromKeys and OIDC discovery (lib/web: /workload-identity/jwt-jwks.json)', () => {
  it('writes {kty, alg, n, e, use, kid} for RSA and {kty, alg, crv, x, y, use, kid} for EC', async () => {
    const rsa = (await sharedCa()).jwtKey
    const ec = (await sharedCa({x509KeyType: 'rsa-2048', jwtKeyType: 'ecdsa-p256'})).jwtKey
    const jwks = jwksFromKeys([rsa, ec])
    assert.deepEqual(Object.keys(jwks.keys[0]!), ['kty', 'alg', 'n', 'e', 'use', 'kid'])
    assert.deepEqual(Object.keys(jwks.keys[1]!), ['kty', 'alg', 'crv', 'x', 'y', 'use', 'kid'])
    const nodeRsa = rsa.publicKey.export({format: 'jwk'})
    assert.deepEqual(jwks.keys[0], {kty: 'RSA', alg: 'RS256', n: nodeRsa.n, e: 'AQAB', use: 'sig', kid: rsa.kid})
    const nodeEc = ec.publicKey.export({format: 'jwk'})
    assert.deepEqual(jwks.keys[1], {kty: 'EC', alg: 'ES256', crv: 'P-256', x: nodeEc.x, y: nodeEc.y, use: 'sig', kid: ec.kid})
  })

  it('derives the issuer from the public address', () => {
    assert.equal(issuerUrl('proxy.example.org'), 'https://proxy.example.org/workload-identity')
    assert.equal(issuerUrl('proxy.example.org:443'), 'https://proxy.example.org/workload-identity')
    assert.equal(issuerUrl('https://proxy.example.org:443'), 'https://proxy.example.org/workload-identity')
    assert.equal(issuerUrl('proxy.example.org:3080'), 'https://proxy.example.org:3080/workload-identity')
    assert.equal(issuerUrl('https://proxy.example.org:3080/'), 'https://proxy.example.org:3080/workload-identity')
    assert.equal(issuerUrl('127.0.0.1:8443'), 'https://127.0.0.1:8443/workload-identity')
  })

  it('serves the discovery document with Teleport\'s keys in Teleport\'s order', () => {
    const doc = openIdConfiguration(ISSUER)
    assert.equal(
      JSON.stringify(doc),
      '{"issuer":"https://proxy.example.org/workload-identity","jwks_uri":"https://proxy.example.org/workload-identity/jwt-jwks.json",' +
        '"claims":["iss","sub","jti","aud","exp","iat"],"id_token_signing_alg_values_supported":["RS256"],' +
        '"response_types_supported":["id_token"],"subject_types_supported":["public"]}',
    )
    assert.deepEqual(openIdConfiguration(ISSUER, ['ES256']).id_token_signing_alg_values_supported, ['ES256'])
  })
})
