/**
 * Issuance through the Authority, the path tbot, tctl and the server use: policy snapshot → decision
 * (RBAC, labels, rules, templates) → sign → audit line, for a bot caller. Each figure sits beside its
 * raw node:crypto limit measured in the same run (issue "The certificate authority"):
 *   authority_x509_issue_keygen_per_sec  fresh P-256 key + issue   vs raw P-256 keygen+sign
 *   authority_x509_issue_per_sec         given public key (server) vs raw P-256 sign
 *   authority_jwt_issue_per_sec          RS256 JWT-SVID            vs raw RS256 sign
 *   authority_x509_issue_concurrent_per_sec  16 issuances in flight (the server, tbot's Workload API):
 *     each waits for its audit line to be written and fdatasync'ed, one group commit per batch.
 * The first three issue one at a time, each awaiting its own audit write and sync, so a disk's
 * fdatasync(2) bounds them, not the signature: raw_audit_fdatasync_per_sec (append one audit-sized
 * line to a file and fdatasync it, in the same directory and run) is that bound. Their goals are
 * stated against it; the ratio to the raw signature is printed too, for comparison with earlier runs.
 */
import {generateKeyPairSync, randomBytes, sign} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {open} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Caller} from '../src/lib/authority/caller.js'
import {LocalBackend} from '../src/lib/backend/local/backend.js'
import {generateP256KeyDer} from '../src/lib/ca/fast-leaf/fast-keygen.js'
import {parseResources} from '../src/lib/resources/parse.js'
import {median} from './_util.js'
import type {BenchFigure} from './types.js'

const ROUNDS = 5
const RUN_MS = 600

async function opsPerSecAsync(op: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < 20; i++) await op()
  let count = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < RUN_MS) {
    for (let i = 0; i < 16; i++) await op()
    count += 16
    elapsed = performance.now() - start
  }
  return (count * 1000) / elapsed
}

const RESOURCES = `
kind: workload_identity
version: v1
metadata: {name: worker, labels: {team: bench}}
spec:
  spiffe:
    id: /svc/{{ user.bot_name }}/worker
    x509: {dns_sans: [worker.svc]}
  rules:
    allow:
      - conditions: [{attribute: user.bot_name, eq: {value: bench-bot}}]
---
kind: role
version: v7
metadata: {name: issuer}
spec:
  allow:
    workload_identity_labels: {team: [bench]}
    rules: [{resources: [workload_identity], verbs: [read, list]}]
`

export async function bench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'svidkit-bench-authority-'))
  try {
    const backend = await LocalBackend.open({dataDir: join(dir, 'data'), clusterName: 'bench.example.com'})
    await backend.createResources(parseResources(RESOURCES, 'bench.yaml'), {force: false})
    await backend.addBot({name: 'bench-bot', roles: ['issuer']})
    const authority = await backend.authority()
    const caller: Caller = {kind: 'bot', botName: 'bench-bot', roles: ['issuer']}
    const selector = {name: 'worker'}
    const givenKeys = Array.from({length: 64}, () => generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey.export({type: 'spki', format: 'der'}))
    let k = 0
    const tbsSized = randomBytes(420)
    const rawEc = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey
    const jwtInput = Buffer.from('e'.repeat(360))
    const pairs = [
      {
        name: 'authority_x509_issue_keygen_per_sec', limitName: 'raw_p256_keygen_sign_per_sec',
        // The workload's side as tbot-class callers can do it: a fresh key straight to DER (no KeyObject round trip).
        ours: () => authority.issueX509Svids({caller, selector, publicKey: generateP256KeyDer().spki}),
        raw: () => sign('sha256', tbsSized, generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey),
      },
      {
        name: 'authority_x509_issue_per_sec', limitName: 'raw_p256_sign_per_sec',
        ours: () => authority.issueX509Svids({caller, selector, publicKey: givenKeys[k++ & 63]!}),
        raw: () => sign('sha256', tbsSized, rawEc),
      },
      {
        name: 'authority_x509_issue_concurrent_per_sec', limitName: 'raw_p256_sign_per_sec',
        ours: async () => {
          await Promise.all(Array.from({length: 16}, () => authority.issueX509Svids({caller, selector, publicKey: givenKeys[k++ & 63]!})))
        },
        raw: () => sign('sha256', tbsSized, rawEc),
        perOp: 16,
      },
      {
        name: 'authority_jwt_issue_per_sec', limitName: 'raw_rs256_sign_per_sec',
        ours: () => authority.issueJwtSvids({caller, selector, audiences: ['bench']}),
        raw: () => sign('sha256', jwtInput, authority.ca.jwtKey.privateKey),
      },
    ]
    const auditLike = await open(join(dir, 'fdatasync-probe.log'), 'a', 0o600)
    const line = Buffer.from(`${JSON.stringify({event: 'spiffe.svid.issued', pad: 'x'.repeat(360)})}\n`)
    const durableAppends: number[] = []
    const results = pairs.map(() => ({ours: [] as number[], raw: [] as number[]}))
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, p] of pairs.entries()) {
        results[i]!.ours.push((await opsPerSecAsync(p.ours)) * ('perOp' in p ? p.perOp ?? 1 : 1))
        results[i]!.raw.push(await opsPerSecAsync(p.raw))
      }
      durableAppends.push(await opsPerSecAsync(async () => {
        await auditLike.write(line)
        await auditLike.datasync()
      }))
    }
    await auditLike.close()
    await authority.flush()
    const fdatasyncs = median(durableAppends)
    return [
      ...pairs.map((p, i) => {
        const value = median(results[i]!.ours)
        const limit = median(results[i]!.raw)
        const goal = p.name.includes('concurrent')
          ? `value >= raw_audit_fdatasync_per_sec (${Math.round(fdatasyncs)}): group commit; ratio vs ${p.limitName}`
          : `value >= 0.5 x raw_audit_fdatasync_per_sec (${Math.round(fdatasyncs)}): one durable audit line each; ratio vs ${p.limitName}`
        return {name: p.name, value, unit: 'ops/s', limit, ratio: value / limit, goal}
      }),
      {name: 'raw_audit_fdatasync_per_sec', value: fdatasyncs, unit: 'ops/s'},
    ]
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
