import assert from 'node:assert/strict'
import {constants, createHmac, generateKeyPairSync, sign, type KeyObject} from 'node:crypto'
import {describe, it} from 'node:test'
import {signJwtSvid} from '../../../src/lib/ca/jwt.js'
import {BadParameterError, UnauthenticatedError} from '../../../src/lib/errors.js'
import {BundleSet, JwtBundle} from '../../../src/lib/spiffe/bundle.js'
import {TrustDomain} from '../../../src/lib/spiffe/id.js'
import {JwtSvid} from '../../../src/lib/spiffe/jwt-svid.js'
import {fixedClock, sharedCa} from '../ca/helpers.js'

const TD = TrustDomain.parse('example.org')
const T0 = Date.parse('2026-01-15T12:00:00Z') / 1000
const at = (seconds: number) => () => new Date((T0 + seconds) * 1000)
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

const ec = generateKeyPairSync('ec', {namedCurve: 'P-256'})
const ec384 = generateKeyPairSync('ec', {namedCurve: 'P-384'})
const rsa = generateKeyPairSync('rsa', {modulusLength: 2048})
const bundle = JwtBundle.fromJwtAuthorities(TD, {ec: ec.publicKey, ec384: ec384.publicKey, rsa: rsa.publicKey})

/** A compact JWS with any header and claims, signed like a real issuer would (or not). */
function token(header: Record<string, unknown>, claims: Record<string, unknown> | string, key: KeyObject = ec.privateKey): string {
  const input = `${b64(header)}.${b64(claims)}`
  const alg = String(header['alg'])
  const hash = `sha${alg.slice(2)}`
  let sig: Buffer
  if (alg.startsWith('ES')) sig = sign(hash, Buffer.from(input), {key, dsaEncoding: 'ieee-p1363'})
  else if (alg.startsWith('PS')) sig = sign(hash, Buffer.from(input), {key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32})
  else if (alg.startsWith('HS')) sig = createHmac('sha256', 'secret').update(input).digest()
  else if (alg.startsWith('RS')) sig = sign(hash, Buffer.from(input), key)
  else sig = Buffer.alloc(64, 7) // `none`, EdDSA: refused before any signature check
  return `${input}.${sig.toString('base64url')}`
}

const CLAIMS = {sub: 'spiffe://example.org/svc/api', aud: ['aws'], exp: T0 + 300, iat: T0}
const HEADER = {alg: 'ES256', kid: 'ec', typ: 'JWT'}

function validateFails(tok: string, message: string, opts: {audience?: string[]; now?: () => Date; source?: JwtBundle | BundleSet} = {}): void {
  assert.throws(() => JwtSvid.parseAndValidate(tok, opts.source ?? bundle, opts.audience ?? ['aws'], {now: opts.now ?? at(0)}), (e: unknown) => {
    assert.ok(e instanceof UnauthenticatedError, String(e))
    assert.equal(e.message, message)
    return true
  })
}

describe('JwtSvid.parseAndValidate (spiffe.md §3.3)', () => {
  it('accepts our issuer\'s RS256 tokens through a bundle set', async () => {
    const {jwtKey} = await sharedCa()
    const s = signJwtSvid({key: jwtKey.privateKey, kid: jwtKey.kid, alg: 'RS256', issuer: 'https://x/workload-identity', spiffeId: 'spiffe://example.org/svc/api', audiences: ['aws', 'gcp'], ttlMs: 300_000, extraClaims: {team: 'pay'}, now: at(0)})
    const set = new BundleSet([JwtBundle.fromJwtAuthorities(TD, {[jwtKey.kid]: jwtKey.publicKey})])
    const svid = JwtSvid.parseAndValidate(s.token, set, ['gcp'], {now: at(10)})
    assert.equal(svid.id.toString(), 'spiffe://example.org/svc/api')
    assert.deepEqual(svid.audience, ['aws', 'gcp'])
    assert.equal(svid.expiry.toISOString(), '2026-01-15T12:05:00.000Z')
    assert.equal(svid.claims['team'], 'pay')
    assert.equal(svid.claims['jti'], s.jti)
    assert.equal(svid.marshal(), s.token)
    assert.equal(svid.withHint('x').hint, 'x')
  })

  it('accepts every allowed algorithm family, typ JOSE, a string aud, and the 1-minute leeway', () => {
    for (const [alg, key, kid] of [['ES256', ec.privateKey, 'ec'], ['ES384', ec384.privateKey, 'ec384'], ['RS256', rsa.privateKey, 'rsa'], ['RS512', rsa.privateKey, 'rsa'], ['PS256', rsa.privateKey, 'rsa']] as const) {
      const svid = JwtSvid.parseAndValidate(token({alg, kid, typ: 'JOSE'}, {...CLAIMS, aud: 'aws'}, key), bundle, ['aws'], {now: at(359)})
      assert.deepEqual(svid.audience, ['aws'], alg)
    }
    assert.ok(JwtSvid.parseAndValidate(token({alg: 'ES256', kid: 'ec'}, CLAIMS), bundle, [], {now: at(0)}), 'no typ, no expected audience')
  })

  it('fails step by step with go-spiffe\'s messages', () => {
    const p = 'jwtsvid: '
    validateFails('not.a.token!', p + 'unable to parse JWT token')
    validateFails('a.b', p + 'unable to parse JWT token')
    validateFails(token({alg: 'HS256', kid: 'ec'}, CLAIMS), p + 'unable to parse JWT token')
    validateFails(token({alg: 'none', kid: 'ec'}, CLAIMS), p + 'unable to parse JWT token')
    validateFails(token({alg: 'EdDSA', kid: 'ec'}, CLAIMS), p + 'unable to parse JWT token')
    validateFails(token({...HEADER, typ: 'at+jwt'}, CLAIMS), p + 'token header type not equal to either JWT or JOSE')
    validateFails(token(HEADER, {...CLAIMS, sub: undefined}), p + 'token missing subject claim')
    validateFails(token(HEADER, {...CLAIMS, exp: undefined}), p + 'token missing exp claim')
    validateFails(token(HEADER, {...CLAIMS, sub: 'spiffe://example.org/a/'}), p + 'token has an invalid subject claim: path cannot have a trailing slash')
    validateFails(token(HEADER, {...CLAIMS, aud: 7}), p + 'unable to get claims from token: go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience')
    validateFails(token(HEADER, {...CLAIMS, exp: '1'}), p + 'unable to get claims from token: go-jose/go-jose/jwt: expected number value to unmarshal NumericDate')
    validateFails(token({alg: 'ES256', typ: 'JWT'}, CLAIMS), p + 'token header missing key id')
    validateFails(token(HEADER, {...CLAIMS, sub: 'spiffe://other.org/api'}), p + 'no bundle found for trust domain "other.org"')
    validateFails(token({...HEADER, kid: 'nope'}, CLAIMS), p + 'no JWT authority "nope" found for trust domain "example.org"')
    const forged = token(HEADER, CLAIMS, generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey)
    validateFails(forged, p + 'unable to get claims from token: go-jose/go-jose: error in cryptographic primitive')
    validateFails(token({alg: 'RS256', kid: 'ec'}, CLAIMS, rsa.privateKey), p + 'unable to get claims from token: go-jose/go-jose: error in cryptographic primitive')
    validateFails(token({alg: 'ES384', kid: 'ec'}, CLAIMS, ec384.privateKey), p + 'unable to get claims from token: go-jose/go-jose: error in cryptographic primitive')
    validateFails(token({...HEADER, crit: ['exp'], exp: 1}, CLAIMS), p + 'unable to get claims from token: go-jose/go-jose: unsupported critical header')
    validateFails(token(HEADER, CLAIMS), p + 'expected audience in ["gcp" "azure"] (audience=["aws"])', {audience: ['gcp', 'azure']})
    validateFails(token(HEADER, {...CLAIMS, aud: undefined}), p + 'expected audience in ["aws"] (audience=[])')
    validateFails(token(HEADER, CLAIMS), p + 'token has expired', {now: at(361)})
    // go-jose's own errors pass through unprefixed.
    validateFails(token(HEADER, {...CLAIMS, nbf: T0 + 61}), 'go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)')
    validateFails(token(HEADER, {...CLAIMS, iat: T0 + 61}), 'go-jose/go-jose/jwt: validation field, token issued in the future (iat)')
    const tampered = token(HEADER, CLAIMS).replace(/\.[^.]+\./, `.${b64({...CLAIMS, sub: 'spiffe://example.org/admin'})}.`)
    validateFails(tampered, p + 'unable to get claims from token: go-jose/go-jose: error in cryptographic primitive')
  })

  it('treats the leeway boundaries as go-jose does', () => {
    assert.ok(JwtSvid.parseAndValidate(token(HEADER, CLAIMS), bundle, ['aws'], {now: at(360)}))
    assert.ok(JwtSvid.parseAndValidate(token(HEADER, {...CLAIMS, nbf: T0 + 60, iat: T0 + 60}), bundle, ['aws'], {now: at(0)}))
    validateFails(token(HEADER, {...CLAIMS, exp: T0 + 300.9}), 'jwtsvid: token has expired', {now: () => new Date((T0 + 360) * 1000 + 1)})
  })
})

describe('JwtSvid.parseInsecure', () => {
  it('skips the signature and kid but keeps every other check', () => {
    const forged = token({alg: 'ES256'}, CLAIMS, generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey)
    const svid = JwtSvid.parseInsecure(forged, ['aws'], {now: at(0)})
    assert.equal(svid.id.toString(), 'spiffe://example.org/svc/api')
    assert.equal(svid.claims['sub'], 'spiffe://example.org/svc/api')
    assert.throws(() => JwtSvid.parseInsecure(forged, ['gcp'], {now: at(0)}), (e: unknown) => e instanceof BadParameterError && e.message === 'jwtsvid: expected audience in ["gcp"] (audience=["aws"])')
    assert.throws(() => JwtSvid.parseInsecure(forged, [], {now: at(1000)}), (e: unknown) => e instanceof BadParameterError && e.message === 'jwtsvid: token has expired')
    assert.throws(() => JwtSvid.parseInsecure('x', []), {message: 'jwtsvid: unable to parse JWT token'})
    assert.equal(fixedClock('2026-01-15T12:00:00Z')().getTime() / 1000, T0)
  })
})
