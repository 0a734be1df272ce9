/**
 * Validation throughput against raw node:crypto, measured in the same run:
 *   jwt_svid_validate_per_sec  JwtSvid.parseAndValidate of an RS256 JWT-SVID (jose: decode, kid lookup,
 *                              compactVerify with the algorithm allow-list; go-spiffe's claim checks)
 *                              vs a raw RS256 signature check of the same token with node:crypto `verify`
 * One validation at a time (each awaited), as a relying party checks a presented token. jose verifies
 * through WebCrypto, whose every call is a job on libuv's thread pool: that hand-off, not the RSA
 * arithmetic, is most of the gap. Each figure is the median of 5 rounds; within a round the two sides
 * alternate in 60 ms slices, so machine noise hits both alike, and the ratio is the median of the
 * per-round ratios. About 8 s.
 */
import {verify} from 'node:crypto'
import {createCaMaterial} from '../src/lib/ca/ca-material.js'
import {signJwtSvid} from '../src/lib/ca/fast-leaf/jwt.js'
import {BundleSet, JwtBundle} from '../src/lib/spiffe/bundle.js'
import {JwtSvid} from '../src/lib/spiffe/jwt-svid.js'
import {measurePairs} from './_pairs.js'
import type {BenchFigure} from './types.js'

const ROUNDS = 5
export async function bench(): Promise<BenchFigure[]> {
  const now = () => new Date()
  const {jwtKey, trustDomain} = await createCaMaterial({clusterName: 'bench.example.com', now})
  const {token} = signJwtSvid({
    key: jwtKey.privateKey, kid: jwtKey.kid, alg: 'RS256', issuer: 'https://bench.example.com/workload-identity',
    spiffeId: 'spiffe://bench.example.com/svc/worker', audiences: ['bench'], ttlMs: 3600_000, now,
  })
  const bundles = new BundleSet([JwtBundle.fromJwtAuthorities(trustDomain, {[jwtKey.kid]: jwtKey.publicKey})])
  const dot = token.lastIndexOf('.')
  const signingInput = Buffer.from(token.slice(0, dot))
  const signature = Buffer.from(token.slice(dot + 1), 'base64url')
  const ours = () => JwtSvid.parseAndValidate(token, bundles, ['bench'])
  const raw = () => {
    if (!verify('sha256', signingInput, jwtKey.publicKey, signature)) throw new Error('raw RS256 verification failed')
  }
  const [figure] = await measurePairs([{ours, raw}], {rounds: ROUNDS, warmup: 50})
  return [{
    name: 'jwt_svid_validate_per_sec',
    value: figure!.ours,
    unit: 'ops/s',
    limit: figure!.raw,
    ratio: figure!.ratio,
    goal: 'none set; vs raw_rs256_verify_per_sec',
  }]
}

// Run directly: `node --import tsx bench/validation.ts`.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of await bench()) console.log(JSON.stringify(f))
}
