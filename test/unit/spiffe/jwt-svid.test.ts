import assert from 'node:assert/strict'
import {constants, createHmac, generateKeyPairSync, sign, type KeyObject} from 'node:crypto'
import {describe, it} from 'node:test'
import {signJwtSvid} from '../../../src/lib/ca/fast-leaf/jwt.js'
import {BadParameterError, UnauthenticatedError} from '../../../src/lib/errors.js'
import {BundleSet, JwtBundle} from '../../../src/lib/spiffe/bundle.js'
import {TrustDomain} from '../../../src/lib/spiffe/id.js'
import {JwtSvid} from '../../../src/lib/spiffe/jwt-svid.js'
import {fixedClock, sharedCa} from '../../helpers/pki.js'

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

function validateFails(tok: string, message: string, opts: {audience?: string[]; now?: () => Date; source?: JwtBundle | BundleSet} = {}): Promise<void> {
  return assert.rejects(JwtSvid.parseAndValidate(tok, opts.source ?? bundle, opts.audience ?? ['aws'], {now: opts.now ?? at(0)}), (e: unknown) => {
    assert.ok(e instanceof UnauthenticatedError, String(e))
    assert.equal(e.message, message)
    return true
  })
}

describe('JwtSvid.parseAndValidate', () => {
  it('accepts our issuer\'s RS256 tokens through a bundle set', async () => {
    const {jwtKey} = await sharedCa()
    const s = signJwtSvid({key: jwtKey.privateKey, kid: jwtKey.kid, alg: 'RS256', issuer: 'https://x/workload-identity', spiffeId: 'spiffe://example.org/svc/api', audiences: ['aws', 'gcp'], ttlMs: 300_000, extraClaims: {team: 'pay'}, now: at(0)})
    const set = new BundleSet([JwtBundle.fromJwtAuthorities(TD, {[jwtKey.kid]: jwtKey.publicKey})])
    const svid = await JwtSvid.parseAndValidate(s.token, set, ['gcp'], {now: at(10)})
    assert.equal(svid.id.toString(), 'spiffe://example.org/svc/api')
    assert.deepEqual(svid.audience, ['aws', 'gcp'])
    assert.equal(svid.expiry.toISOString(), '2026-01-15T12:05:00.000Z')
    assert.equal(svid.claims['team'], 'pay')
    assert.equal(svid.claims['jti'], s.jti)
    assert.equal(svid.marshal(), s.token)
    assert.equal(svid.withHint('x').hint, 'x')
  })

  it('accepts every allowed algorithm family, typ JOSE, a string aud, and the 1-minute leeway', async () => {
    for (const [alg, key, kid] of [['ES256', ec.privateKey, 'ec'], ['ES384', ec384.privateKey, 'ec384'], ['RS256', rsa.privateKey, 'rsa'], ['RS512', rsa.privateKey, 'rsa'], ['PS256', rsa.privateKey, 'rsa']] as const) {
      const svid = await JwtSvid.parseAndValidate(token({alg, kid, typ: 'JOSE'}, {...CLAIMS, aud: 'aws'}, key), bundle, ['aws'], {now: at(359)})
      assert.deepEqual(svid.audience, ['aws'], alg)
    }
    assert.ok(await JwtSvid.parseAndValidate(token({alg: 'ES256', kid: 'ec'}, CLAIMS), bundle, [], {now: at(0)}), 'no typ, no expected audience')
  })

  it('fails step by step with go-spiffe\'s messages', async () => {
    const p = 'jwtsvid: '
    await validateFails('not.a.token!', p + 'unable to parse JWT token')
    await validateFails('a.b', p + 'unable to parse JWT token')
    await validateFails(token({alg: 'HS256', kid: 'ec'}, CLAIMS), p + 'unable to parse JWT token')
    await validateFails(token({alg: 'none', kid: 'ec'}, CLAIMS), p + 'unable to parse JWT token')
    await validateFails(token({alg: 'EdDSA', kid: 'ec'}, CLAIMS), p + 'unable to parse JWT token')
    await validateFails(token({...HEADER, typ: 'at+jwt'}, CLAIMS), p + 'token header type not equal to either JWT or JOSE')
    await validateFails(token(HEADER, {...CLAIMS, sub: undefined}), p + 'token missing subject claim')
    await validateFails(token(HEADER, {...CLAIMS, exp: undefined}), p + 'token missing exp claim')
    await validateFails(token(HEADER, {...CLAIMS, sub: 'spiffe://example.org/a/'}), p + 'token has an invalid subject claim: path cannot have a trailing slash')
    await validateFails(token(HEADER, {...CLAIMS, aud: 7}), p + 'unable to get claims from token: "aud" claim must be a string or an array of strings')
    await validateFails(token(HEADER, {...CLAIMS, exp: '1'}), p + 'unable to get claims from token: "exp" claim must be a number')
    await validateFails(token(HEADER, {...CLAIMS, sub: 7}), p + 'unable to get claims from token: "sub" claim must be a string')
    await validateFails(`${b64(HEADER)}.${b64('[1]')}.c2ln`, p + 'unable to get claims from token: Invalid JWT Claims Set')
    await validateFails(token({alg: 'ES256', typ: 'JWT'}, CLAIMS), p + 'token header missing key id')
    await validateFails(token(HEADER, {...CLAIMS, sub: 'spiffe://other.org/api'}), p + 'no bundle found for trust domain "other.org"')
    await validateFails(token({...HEADER, kid: 'nope'}, CLAIMS), p + 'no JWT authority "nope" found for trust domain "example.org"')
    const forged = token(HEADER, CLAIMS, generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey)
    await validateFails(forged, p + 'unable to get claims from token: signature verification failed')
    await validateFails(token({alg: 'RS256', kid: 'ec'}, CLAIMS, rsa.privateKey), p + 'unable to get claims from token: Invalid or unsupported JWK "alg" (Algorithm) Parameter value')
    await validateFails(token({alg: 'ES384', kid: 'ec'}, CLAIMS, ec384.privateKey), p + 'unable to get claims from token: JWK "crv" does not match the requested algorithm')
    await validateFails(token({...HEADER, crit: ['exp'], exp: 1}, CLAIMS), p + 'unable to get claims from token: Extension Header Parameter "exp" is not recognized')
    await validateFails(token(HEADER, CLAIMS), p + 'expected audience in ["gcp" "azure"] (audience=["aws"])', {audience: ['gcp', 'azure']})
    await validateFails(token(HEADER, {...CLAIMS, aud: undefined}), p + 'expected audience in ["aws"] (audience=[])')
    await validateFails(token(HEADER, CLAIMS), p + 'token has expired', {now: at(361)})
    // go-jose's own errors pass through unprefixed.
    await validateFails(token(HEADER, {...CLAIMS, nbf: T0 + 61}), 'go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)')
    await validateFails(token(HEADER, {...CLAIMS, iat: T0 + 61}), 'go-jose/go-jose/jwt: validation field, token issued in the future (iat)')
    const tampered = token(HEADER, CLAIMS).replace(/\.[^.]+\./, `.${b64({...CLAIMS, sub: 'spiffe://example.org/admin'})}.`)
    await validateFails(tampered, p + 'unable to get claims from token: signature verification failed')
  })

  it('treats the leeway boundaries as go-jose does', async () => {
    assert.ok(await JwtSvid.parseAndValidate(token(HEADER, CLAIMS), bundle, ['aws'], {now: at(360)}))
    assert.ok(await JwtSvid.parseAndValidate(token(HEADER, {...CLAIMS, nbf: T0 + 60, iat: T0 + 60}), bundle, ['aws'], {now: at(0)}))
    await validateFails(token(HEADER, {...CLAIMS, exp: T0 + 300.9}), 'jwtsvid: token has expired', {now: () => new Date((T0 + 360) * 1000 + 1)})
  })
})

describe('JwtSvid.parseAndValidate refuses forged and misdirected tokens (go-spiffe\'s top-level messages)', () => {
  const rsaJwk = rsa.publicKey.export({format: 'jwk'})
  /** The classic algorithm confusion: an HMAC keyed with the verifier's own public key. */
  const hmacWith = (secret: string | Buffer, header: Record<string, unknown>) => {
    const input = `${b64(header)}.${b64(CLAIMS)}`
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
  }

  it('alg none, with or without a signature', async () => {
    await validateFails(token({alg: 'none', kid: 'rsa', typ: 'JWT'}, CLAIMS), 'jwtsvid: unable to parse JWT token')
    await validateFails(`${b64({alg: 'none', kid: 'rsa'})}.${b64(CLAIMS)}.`, 'jwtsvid: unable to parse JWT token')
    assert.throws(() => JwtSvid.parseInsecure(`${b64({alg: 'none'})}.${b64(CLAIMS)}.`, ['aws'], {now: at(0)}), {message: 'jwtsvid: unable to parse JWT token'})
  })

  it('HS256 signed with the bundle\'s public key as the secret', async () => {
    const pem = rsa.publicKey.export({type: 'spki', format: 'pem'}).toString()
    await validateFails(hmacWith(pem, {alg: 'HS256', kid: 'rsa', typ: 'JWT'}), 'jwtsvid: unable to parse JWT token')
    await validateFails(hmacWith(JSON.stringify(rsaJwk), {alg: 'HS256', kid: 'rsa'}), 'jwtsvid: unable to parse JWT token')
    await validateFails(hmacWith(Buffer.from(String(rsaJwk.n), 'base64url'), {alg: 'HS512', kid: 'rsa'}), 'jwtsvid: unable to parse JWT token')
  })

  it('an unknown kid, a wrong audience, an expired token', async () => {
    await validateFails(token({...HEADER, kid: 'rotated-away'}, CLAIMS), 'jwtsvid: no JWT authority "rotated-away" found for trust domain "example.org"')
    await validateFails(token(HEADER, CLAIMS), 'jwtsvid: expected audience in ["gcp"] (audience=["aws"])', {audience: ['gcp']})
    await validateFails(token(HEADER, {...CLAIMS, exp: T0 - 61}), 'jwtsvid: token has expired')
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
