import assert from 'node:assert/strict'
import {createPublicKey, sign as signData} from 'node:crypto'
import {generatePrivateKey} from '../../../src/lib/ca/keys.js'
import {before, describe, it} from 'node:test'
import {AccessDeniedError, BadParameterError, SvidkitError} from '../../../src/lib/errors.js'
import {TrustDomain} from '../../../src/lib/spiffe/id.js'
import {
  checkSecurityHeader, fetchJwtSvid, jwtBundlesResponse, sameX509SvidResponse, validateJwtSvid, witNotImplemented,
  x509BundlesResponse, x509SvidResponse,
} from '../../../src/lib/workloadapi/handlers.js'
import {fromProtoStruct} from '../../../src/lib/workloadapi/proto.js'
import {grpcStatusOf} from '../../../src/lib/workloadapi/status.js'
import type {TrustBundles, WorkloadCaller} from '../../../src/lib/workloadapi/source.js'
import {bundleOf, TestSource} from '../../helpers/workload-source.js'
import {type JwtKey, makeJwtKey, makeTrustDomainCa, signJwt, type TrustDomainCa} from '../../helpers/pki.js'

const ID = 'spiffe://example.org/svc/api'
const ROOT: WorkloadCaller = {workload: {unix: {attested: true, pid: 10, uid: 0, gid: 0}}}
const NOBODY: WorkloadCaller = {workload: {unix: {attested: true, pid: 11, uid: 65534, gid: 65534}}}
const byUid = (c: WorkloadCaller): boolean => c.workload?.unix?.uid === 0

function rejects(promise: Promise<unknown>, type: new (...a: never[]) => Error, message: string): Promise<void> {
  return assert.rejects(promise, (err: Error) => {
    assert.ok(err instanceof type, `${err.name} is not ${type.name}`)
    assert.equal(err.message, message)
    return true
  })
}

describe('security header (Workload Endpoint §2)', () => {
  it('needs exactly one value, exactly "true"', () => {
    checkSecurityHeader(['true'])
    for (const values of [[], ['True'], ['1'], ['true', 'true'], [Buffer.from('true')]]) {
      assert.throws(() => checkSecurityHeader(values), (err: Error) =>
        err instanceof BadParameterError && err.message === 'security header missing from request')
    }
  })
})

describe('FetchX509SVID / bundles handlers', () => {
  let source: TestSource
  let federated: TrustDomainCa
  before(async () => {
    source = await TestSource.create(ID, byUid, {hint: 'api'})
    federated = await makeTrustDomainCa('partner.test')
    source.trust = {local: source.trust.local, federated: [bundleOf(federated, [makeJwtKey('partner-1')])]}
  })

  it('answers an entitled caller with its SVID, key, own bundle and federated bundles', async () => {
    const response = await x509SvidResponse(source, ROOT)
    assert.equal(response.svids.length, 1)
    const [svid] = response.svids
    assert.equal(svid?.spiffe_id, ID)
    assert.equal(svid?.hint, 'api')
    assert.deepEqual(Buffer.from(svid?.x509_svid ?? []), Buffer.from(source.svid.chain[0] ?? []))
    assert.deepEqual(Buffer.from(svid?.x509_svid_key ?? []), Buffer.from(source.svid.privateKey))
    assert.deepEqual(Buffer.from(svid?.bundle ?? []), Buffer.from(source.ca.der))
    assert.deepEqual(Object.keys(response.federated_bundles), ['spiffe://partner.test'])
    assert.deepEqual(Buffer.from(response.federated_bundles['spiffe://partner.test'] ?? []), Buffer.from(federated.der))
  })

  it('denies a caller entitled to nothing, and an unattested one', async () => {
    await rejects(x509SvidResponse(source, NOBODY), AccessDeniedError, 'workload did not pass attestation for any SVIDs')
    await rejects(x509SvidResponse(source, {}), AccessDeniedError, 'workload did not pass attestation for any SVIDs')
  })

  it('encodes bundles keyed spiffe://td, shared until the TrustBundles object changes', () => {
    const x509 = x509BundlesResponse(source.bundles())
    assert.deepEqual(Object.keys(x509.bundles).sort(), ['spiffe://example.org', 'spiffe://partner.test'])
    assert.deepEqual(Buffer.from(x509.bundles['spiffe://example.org'] ?? []), Buffer.from(source.ca.der))
    assert.equal(x509BundlesResponse(source.bundles()), x509)
    const jwt = jwtBundlesResponse(source.bundles())
    const jwks = JSON.parse(Buffer.from(jwt.bundles['spiffe://example.org'] ?? []).toString()) as {keys: Record<string, unknown>[]}
    assert.equal(jwks.keys.length, 1)
    assert.equal(jwks.keys[0]?.kid, 'test-kid-1')
    assert.equal('use' in (jwks.keys[0] ?? {}), false)
  })

  it('never emits private JWK parameters', () => {
    const privateKey = generatePrivateKey('ecdsa-p256') // re-imported: see makeJwtKey in test/helpers/pki.ts
    const leaked = {...privateKey.export({format: 'jwk'}), kid: 'k', kty: 'EC'}
    const bundles: TrustBundles = {local: {...source.trust.local, jwtAuthorities: [leaked]}, federated: []}
    const text = Buffer.from(jwtBundlesResponse(bundles).bundles['spiffe://example.org'] ?? []).toString()
    assert.deepEqual(Object.keys((JSON.parse(text) as {keys: object[]}).keys[0] ?? {}).sort(), ['crv', 'kid', 'kty', 'x', 'y'])
  })

  it('tells equal responses from changed ones', async () => {
    const a = await x509SvidResponse(source, ROOT)
    assert.equal(sameX509SvidResponse(a, await x509SvidResponse(source, ROOT)), true)
    assert.equal(sameX509SvidResponse(a, {...a, svids: a.svids.map((s) => ({...s, x509_svid: Buffer.from(s.x509_svid)}))}), true)
    assert.equal(sameX509SvidResponse(a, {...a, svids: a.svids.map((s) => ({...s, hint: 'other'}))}), false)
    assert.equal(sameX509SvidResponse(a, {...a, federated_bundles: {}}), false)
  })
})

describe('FetchJWTSVID handler', () => {
  let source: TestSource
  before(async () => {
    source = await TestSource.create(ID, byUid)
  })

  it('mints for an entitled caller with every requested audience', async () => {
    const response = await fetchJwtSvid(source, ROOT, {audience: ['a', 'b'], spiffe_id: ''})
    assert.equal(response.svids.length, 1)
    assert.equal(response.svids[0]?.spiffe_id, ID)
    const claims = JSON.parse(Buffer.from(response.svids[0]?.svid.split('.')[1] ?? '', 'base64url').toString()) as {aud: string[]}
    assert.deepEqual(claims.aud, ['a', 'b'])
  })

  it('filters to the requested identity', async () => {
    const response = await fetchJwtSvid(source, ROOT, {audience: ['a'], spiffe_id: ID})
    assert.deepEqual(response.svids.map((s) => s.spiffe_id), [ID])
  })

  it('refuses bad requests with InvalidArgument messages', async () => {
    await rejects(fetchJwtSvid(source, ROOT, {audience: [], spiffe_id: ''}), BadParameterError, 'audience: must have at least one value')
    await rejects(fetchJwtSvid(source, ROOT, {audience: ['a'], spiffe_id: 'spiffe://example.org/x/'}), BadParameterError,
      'invalid requested SPIFFE ID: path cannot have a trailing slash')
    await rejects(fetchJwtSvid(source, ROOT, {audience: ['a'], spiffe_id: 'spiffe://other.org/svc'}), BadParameterError,
      'requested SPIFFE ID is not in the local trust domain')
  })

  it('refuses requests over the limits before the source is asked, naming the field and the bound', async () => {
    const before = source.calls.length
    const audiences = (n: number) => Array.from({length: n}, (_, i) => `aud-${i}`)
    await rejects(fetchJwtSvid(source, ROOT, {audience: audiences(17), spiffe_id: ''}), BadParameterError,
      'audience: must have at most 16 values, got 17')
    await rejects(fetchJwtSvid(source, ROOT, {audience: ['ok', 'x'.repeat(1025)], spiffe_id: ''}), BadParameterError,
      'audience[1]: must be at most 1024 bytes, got 1025')
    // UTF-8 bytes, not characters: 400 × "€" is 1200 bytes.
    await rejects(fetchJwtSvid(source, ROOT, {audience: ['€'.repeat(400)], spiffe_id: ''}), BadParameterError,
      'audience[0]: must be at most 1024 bytes, got 1200')
    await rejects(fetchJwtSvid(source, ROOT, {audience: ['a'], spiffe_id: `${ID}/${'p'.repeat(2048)}`}), BadParameterError,
      `spiffe_id: must be at most 2048 bytes, got ${ID.length + 2049}`)
    const tight = {maxAudiences: 2, maxAudienceBytes: 3, maxSpiffeIdBytes: 4, maxSvidBytes: 5}
    await rejects(fetchJwtSvid(source, ROOT, {audience: ['a', 'b', 'c'], spiffe_id: ''}, tight), BadParameterError,
      'audience: must have at most 2 values, got 3')
    await rejects(fetchJwtSvid(source, ROOT, {audience: ['abcd'], spiffe_id: ''}, tight), BadParameterError,
      'audience[0]: must be at most 3 bytes, got 4')
    assert.equal(source.calls.length, before, 'the source was never asked')
    const atLimit = await fetchJwtSvid(source, ROOT, {audience: audiences(15).concat('y'.repeat(1024)), spiffe_id: ''})
    assert.equal(atLimit.svids.length, 1, 'exactly at the limits is allowed')
  })

  it('denies with PermissionDenied messages', async () => {
    await rejects(fetchJwtSvid(source, NOBODY, {audience: ['a'], spiffe_id: ''}), AccessDeniedError,
      'workload did not pass attestation for any SVIDs')
    await rejects(fetchJwtSvid(source, ROOT, {audience: ['a'], spiffe_id: 'spiffe://example.org/svc/other'}), AccessDeniedError,
      'workload is not authorized for requested SPIFFE ID')
  })
})

describe('ValidateJWTSVID handler (go-spiffe ParseAndValidate order and messages)', () => {
  let bundles: TrustBundles
  let key: JwtKey
  const now = new Date('2030-01-01T00:00:00Z')
  const t = Math.floor(now.getTime() / 1000)
  const header = {alg: 'ES256', kid: 'k1', typ: 'JWT'}
  const claims = {sub: ID, aud: ['svc'], exp: t + 300, iat: t, custom: {nested: [1, 'two', true, null]}}
  before(async () => {
    key = makeJwtKey('k1')
    bundles = {local: bundleOf(await makeTrustDomainCa('example.org'), [key]), federated: []}
  })
  const validate = (token: string, audience = 'svc'): Promise<unknown> => validateJwtSvid(bundles, {audience, svid: token}, now)
  const invalid = (token: string, message: string, audience = 'svc'): Promise<void> =>
    assert.rejects(validate(token, audience), (err: Error) => {
      assert.ok(err instanceof BadParameterError)
      assert.equal(err.message, message)
      return true
    })

  it('returns the subject and every claim as a Struct', async () => {
    const response = await validateJwtSvid(bundles, {audience: 'svc', svid: signJwt(key.privateKey, header, claims)}, now)
    assert.equal(response.spiffe_id, ID)
    assert.deepEqual(fromProtoStruct(response.claims), claims)
  })

  it('accepts a string aud, RS256 and the 1-minute leeway', async () => {
    await validate(signJwt(key.privateKey, header, {...claims, aud: 'svc', exp: t - 59}))
    const rsa = {privateKey: generatePrivateKey('rsa-2048')}
    const rsaKey = {...createPublicKey(rsa.privateKey).export({format: 'jwk'}), kid: 'r1', kty: 'RSA'}
    const withRsa: TrustBundles = {local: {...bundles.local, jwtAuthorities: [rsaKey]}, federated: []}
    const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
    const input = `${enc({alg: 'RS256', kid: 'r1'})}.${enc(claims)}`
    const token = `${input}.${signData('sha256', Buffer.from(input), rsa.privateKey).toString('base64url')}`
    assert.equal((await validateJwtSvid(withRsa, {audience: 'svc', svid: token}, now)).spiffe_id, ID)
  })

  it('rejects each failure with its message', async () => {
    const sign = (h: Record<string, unknown>, c: Record<string, unknown>): string => signJwt(key.privateKey, h, c)
    await invalid('not-a-jwt', 'jwtsvid: unable to parse JWT token')
    await invalid(sign({...header, alg: 'HS256'}, claims), 'jwtsvid: unable to parse JWT token')
    await invalid(sign({...header, alg: 'none'}, claims), 'jwtsvid: unable to parse JWT token')
    await invalid(sign({...header, typ: 'at+jwt'}, claims), 'jwtsvid: token header type not equal to either JWT or JOSE')
    await invalid(sign(header, {...claims, sub: ''}), 'jwtsvid: token missing subject claim')
    await invalid(sign(header, {...claims, exp: undefined}), 'jwtsvid: token missing exp claim')
    await invalid(sign(header, {...claims, sub: 'https://example.org/x'}), 'jwtsvid: token has an invalid subject claim: scheme is missing or invalid')
    await invalid(sign({alg: 'ES256'}, claims), 'jwtsvid: token header missing key id')
    await invalid(sign(header, {...claims, sub: 'spiffe://other.org/x'}), 'jwtsvid: no bundle found for trust domain "other.org"')
    await invalid(sign({...header, kid: 'k9'}, claims), 'jwtsvid: no JWT authority "k9" found for trust domain "example.org"')
    await invalid(signJwt(makeJwtKey('k1').privateKey, header, claims),
      'jwtsvid: unable to get claims from token: signature verification failed')
    await invalid(sign({...header, alg: 'ES384'}, claims),
      'jwtsvid: unable to get claims from token: JWK "crv" does not match the requested algorithm')
    await invalid(sign(header, claims), 'jwtsvid: expected audience in ["other"] (audience=["svc"])', 'other')
    await invalid(sign(header, {...claims, exp: t - 61}), 'jwtsvid: token has expired')
    await invalid(sign(header, {...claims, nbf: t + 61}), 'go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)')
    await invalid(sign(header, {...claims, iat: t + 61}), 'go-jose/go-jose/jwt: validation field, token issued in the future (iat)')
    await invalid(sign(header, {...claims, aud: ['x', 'y']}), 'jwtsvid: expected audience in ["svc"] (audience=["x" "y"])')
  })

  it('checks against the JWKS clients are served: private members dropped, an unusable server key is Internal', async () => {
    const token = signJwt(key.privateKey, header, claims)
    const jwk = createPublicKey(key.privateKey).export({format: 'jwk'})
    const withPrivate = {...key.privateKey.export({format: 'jwk'}), kid: 'k1', kty: 'EC'}
    assert.ok('d' in withPrivate && jwk.x === withPrivate.x)
    const privateSource: TrustBundles = {local: {...bundles.local, jwtAuthorities: [withPrivate]}, federated: []}
    assert.equal((await validateJwtSvid(privateSource, {audience: 'svc', svid: token}, now)).spiffe_id, ID)
    const broken: TrustBundles = {local: {...bundles.local, jwtAuthorities: [{kid: 'k1', kty: 'oct', k: 'c2VjcmV0'}]}, federated: []}
    await assert.rejects(validateJwtSvid(broken, {audience: 'svc', svid: token}, now), (err: unknown) => {
      assert.deepEqual(grpcStatusOf(err), {code: 13,
        details: 'JWT bundle of trust domain "example.org": jwtbundle: unable to parse JWKS: a symmetric (oct) key cannot be a SPIFFE authority'})
      return true
    })
  })

  it('needs audience and svid, each within its bound', async () => {
    await assert.rejects(validateJwtSvid(bundles, {audience: '', svid: 'x'}, now), {message: 'audience: must be set'})
    await assert.rejects(validateJwtSvid(bundles, {audience: 'a', svid: ''}, now), {message: 'svid: must be set'})
    await assert.rejects(validateJwtSvid(bundles, {audience: 'a'.repeat(1025), svid: 'x'}, now),
      {name: 'BadParameterError', message: 'audience: must be at most 1024 bytes, got 1025'})
    await assert.rejects(validateJwtSvid(bundles, {audience: 'a', svid: 'x'.repeat(32 * 1024 + 1)}, now),
      {name: 'BadParameterError', message: 'svid: must be at most 32768 bytes, got 32769'})
  })
})

describe('status mapping (spec §4.1)', () => {
  it('maps error codes to gRPC status codes', () => {
    assert.deepEqual(grpcStatusOf(new BadParameterError('x')), {code: 3, details: 'x'})
    assert.deepEqual(grpcStatusOf(new AccessDeniedError('y')), {code: 7, details: 'y'})
    assert.throws(() => witNotImplemented('FetchWITSVID'), (err: unknown) => {
      assert.deepEqual(grpcStatusOf(err), {code: 12, details: 'fetching WIT-SVIDs is not implemented'})
      return true
    })
    assert.throws(() => witNotImplemented('FetchWITBundles'), {message: 'fetching WIT bundles is not implemented'})
    assert.deepEqual(grpcStatusOf(new SvidkitError('CONNECTION_PROBLEM', 'down')), {code: 14, details: 'down'})
    assert.deepEqual(grpcStatusOf(new Error('boom')), {code: 13, details: 'boom'})
    assert.equal(TrustDomain.parse('example.org').idString(), 'spiffe://example.org')
  })
})
