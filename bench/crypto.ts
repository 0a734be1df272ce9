/**
 * Issuance throughput against raw node:crypto, measured in the same run (why: src/lib/ca/fast-leaf/index.ts):
 *   x509_svid_issue_keygen_per_sec  fresh P-256 key (SPKI+PKCS#8 DER) + X.509-SVID  vs raw P-256 keygen+sign  (goal ≥ 0.5)
 *   x509_svid_sign_per_sec          given PKIX public key (server)  vs raw P-256 sign         (goal ≥ 0.5)
 *   jwt_svid_issue_per_sec          RS256 JWT-SVID                  vs raw RS256 sign         (goal ≥ 0.8)
 * Each figure is the median of 5 rounds; within a round the two sides alternate in 60 ms slices, so
 * machine noise hits both alike, and the ratio is the median of the per-round ratios. ~20 s in all.
 */
import {generateKeyPairSync, randomBytes, sign} from 'node:crypto'
import {createCaMaterial} from '../src/lib/ca/ca-material.js'
import {generateP256KeyDer} from '../src/lib/ca/fast-leaf/fast-keygen.js'
import {signJwtSvid} from '../src/lib/ca/fast-leaf/jwt.js'
import {issueX509Svid} from '../src/lib/ca/profiles.js'
import {measurePairs} from './_pairs.js'
import type {BenchFigure} from './types.js'

const ROUNDS = 5

interface Pair {
  readonly name: string
  readonly limitName: string
  readonly goal: number
  readonly ours: () => void
  readonly raw: () => void
}

export async function bench(): Promise<BenchFigure[]> {
  const now = () => new Date()
  const ca = await createCaMaterial({clusterName: 'bench.example.com', now})
  const spiffeId = 'spiffe://bench.example.com/svc/worker'
  const tbsSized = randomBytes(420) // about the size of a leaf TBSCertificate
  const rawKey = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey
  const givenKeys = Array.from({length: 64}, () => generateP256KeyDer().spki)
  let k = 0
  const jwtInput = Buffer.from('e'.repeat(360))
  const svid = (publicKey: Buffer) =>
    issueX509Svid({ca: ca.spiffeCa, publicKey, spiffeId, dnsSans: ['worker.svc'], ttlMs: 3600_000, now})

  const pairs: Pair[] = [
    {
      name: 'x509_svid_issue_keygen_per_sec',
      limitName: 'raw_p256_keygen_sign_per_sec',
      goal: 0.5,
      // The workload's side: a fresh key to DER (PKCS#8 kept for the workload), then issuance.
      ours: () => svid(generateP256KeyDer().spki),
      raw: () => sign('sha256', tbsSized, generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey),
    },
    {
      name: 'x509_svid_sign_per_sec',
      limitName: 'raw_p256_sign_per_sec',
      goal: 0.5,
      ours: () => svid(givenKeys[k++ & 63]!),
      raw: () => sign('sha256', tbsSized, rawKey),
    },
    {
      name: 'jwt_svid_issue_per_sec',
      limitName: 'raw_rs256_sign_per_sec',
      goal: 0.8,
      ours: () =>
        signJwtSvid({key: ca.jwtKey.privateKey, kid: ca.jwtKey.kid, alg: 'RS256', issuer: 'https://bench.example.com/workload-identity', spiffeId, audiences: ['bench'], ttlMs: 300_000, now}),
      raw: () => sign('sha256', jwtInput, ca.jwtKey.privateKey),
    },
  ]
  const figures = await measurePairs(pairs, {rounds: ROUNDS, warmup: 20})
  return pairs.map((p, i) => ({
    name: p.name,
    value: figures[i]!.ours,
    unit: 'ops/s',
    limit: figures[i]!.raw,
    // Median of the per-round ratios: each round's two sides ran interleaved, under the same load.
    ratio: figures[i]!.ratio,
    goal: `ratio >= ${p.goal} (vs ${p.limitName})`,
  }))
}

// Run directly: `node --import tsx bench/crypto.ts`.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of await bench()) console.log(JSON.stringify(f))
}
