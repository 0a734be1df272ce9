/**
 * JWT-SVIDs checked by an independent implementation: PyJWT (Debian's python3-jwt) loads our JWKS
 * with PyJWKSet, picks the key by kid and verifies signature, audience, issuer and expiry.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {describe, it} from 'node:test'
import type {CaMaterial} from '../../src/lib/ca/ca-material.js'
import {jwksFromKeys} from '../../src/lib/ca/jwk.js'
import {signJwtSvid} from '../../src/lib/ca/fast-leaf/jwt.js'
import {issuerUrl} from '../../src/lib/oidc.js'
import {makeProductCa} from '../helpers/pki.js'

const PYTHON = '/usr/bin/python3'
const VERIFY = `
import json, sys, jwt
req = json.load(sys.stdin)
jwks = jwt.PyJWKSet.from_dict(req["jwks"])
kid = jwt.get_unverified_header(req["token"])["kid"]
key = next(k for k in jwks.keys if k.key_id == kid)
try:
    claims = jwt.decode(req["token"], key.key, algorithms=["RS256", "ES256"], audience=req["audience"], issuer=req["issuer"])
except jwt.PyJWTError as e:
    print(json.dumps({"error": type(e).__name__}))
    sys.exit(0)
print(json.dumps({"claims": claims, "kty": key.key_type}))
`

const pyjwt = spawnSync(PYTHON, ['-c', 'import jwt, cryptography'])
const skip = pyjwt.status === 0 ? false : 'needs /usr/bin/python3 with python3-jwt and python3-cryptography'

function verify(body: {jwks: unknown; token: string; audience: string; issuer: string}): {claims?: Record<string, unknown>; kty?: string; error?: string} {
  const r = spawnSync(PYTHON, ['-c', VERIFY], {input: JSON.stringify(body), encoding: 'utf8'})
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout) as {claims?: Record<string, unknown>; kty?: string; error?: string}
}

describe('JWT-SVIDs verified by PyJWT', {skip}, () => {
  const issuer = issuerUrl('proxy.example.org:443')
  for (const jwtKeyType of ['rsa-2048', 'ecdsa-p256'] as const) {
    it(`accepts ${jwtKeyType === 'rsa-2048' ? 'RS256' : 'ES256'} tokens against the JWKS and rejects tampering`, async () => {
      const ca: CaMaterial = await makeProductCa({jwtKeyType})
      const other = await makeProductCa({jwtKeyType})
      // Both keys published, as during a rotation: PyJWT must pick ours by kid.
      const jwks = jwksFromKeys([other.jwtKey, ca.jwtKey])
      const s = signJwtSvid({
        key: ca.jwtKey.privateKey, kid: ca.jwtKey.kid, alg: ca.jwtKey.alg, issuer, spiffeId: 'spiffe://example.org/svc/api',
        audiences: ['sts.amazonaws.com'], ttlMs: 300_000, extraClaims: {team: 'payments'}, now: () => new Date(),
      })
      const ok = verify({jwks, token: s.token, audience: 'sts.amazonaws.com', issuer})
      assert.equal(ok.error, undefined)
      assert.equal(ok.kty, jwtKeyType === 'rsa-2048' ? 'RSA' : 'EC')
      assert.equal(ok.claims?.['sub'], 'spiffe://example.org/svc/api')
      assert.equal(ok.claims?.['jti'], s.jti)
      assert.equal(ok.claims?.['team'], 'payments')
      assert.equal(ok.claims?.['exp'], Math.floor(s.expiresAt.getTime() / 1000))

      const [h, p, sig] = s.token.split('.') as [string, string, string]
      const forgedClaims = Buffer.from(JSON.stringify({...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'spiffe://example.org/admin'})).toString('base64url')
      assert.equal(verify({jwks, token: `${h}.${forgedClaims}.${sig}`, audience: 'sts.amazonaws.com', issuer}).error, 'InvalidSignatureError')
      assert.equal(verify({jwks, token: s.token, audience: 'someone-else', issuer}).error, 'InvalidAudienceError')
      assert.equal(verify({jwks, token: s.token, audience: 'sts.amazonaws.com', issuer: 'https://evil/workload-identity'}).error, 'InvalidIssuerError')
      // Signed by the other key but claiming ours: the kid picks our key, the signature fails.
      const swapped = signJwtSvid({key: other.jwtKey.privateKey, kid: ca.jwtKey.kid, alg: other.jwtKey.alg, issuer, spiffeId: 'spiffe://example.org/svc/api', audiences: ['sts.amazonaws.com'], ttlMs: 300_000, now: () => new Date()})
      assert.equal(verify({jwks, token: swapped.token, audience: 'sts.amazonaws.com', issuer}).error, 'InvalidSignatureError')
      const expired = signJwtSvid({key: ca.jwtKey.privateKey, kid: ca.jwtKey.kid, alg: ca.jwtKey.alg, issuer, spiffeId: 'spiffe://example.org/svc/api', audiences: ['sts.amazonaws.com'], ttlMs: 1000, now: () => new Date(Date.now() - 3600_000)})
      assert.equal(verify({jwks, token: expired.token, audience: 'sts.amazonaws.com', issuer}).error, 'ExpiredSignatureError')
    })
  }
})
