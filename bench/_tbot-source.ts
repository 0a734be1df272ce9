/**
 * The Workload API bench's source: tbot's real one (SessionWorkloadSource) over a local-backend bot
 * session, i.e. a fresh data directory with a cluster, the overview seed's kind of resources (a
 * workload identity whose unix rule this process passes, a role, a bot), and the bot joined with its
 * token. SVIDs are issued by the Authority (policy, rules, templates, signing, audit log) and
 * cached per caller by the source, as `tbot start workload-identity-api` serves them.
 */
import {join} from 'node:path'
import {connectTbot} from '../src/lib/tbot/connect.js'
import {LocalBackend} from '../src/lib/backend/local/backend.js'
import {discardLogger} from '../src/lib/log.js'
import {parseResources} from '../src/lib/resources/parse.js'
import {systemClock} from '../src/lib/tbot/clock.js'
import {parseTbotConfig} from '../src/lib/tbot/config/load.js'
import type {BotSession} from '../src/lib/issuance/contract.js'
import {SessionWorkloadSource} from '../src/lib/tbot/workload-source.js'
import type {WorkloadCaller} from '../src/lib/workloadapi/source.js'

export interface LocalBackendSource {
  readonly source: SessionWorkloadSource
  /** A caller that passes the identity's rule (this process's uid), for building reference messages. */
  readonly entitled: WorkloadCaller
  /** The cluster's backend (bench/rotation.ts rotates its CA). */
  readonly backend: LocalBackend
  close(): Promise<void>
}

function resources(uid: number): string {
  return `kind: workload_identity
version: v1
metadata:
  name: bench-worker
  labels: {team: bench}
spec:
  rules:
    allow:
      - conditions:
          - attribute: workload.unix.uid
            eq: {value: ${uid}}
  spiffe:
    id: /svc/worker
    x509:
      dns_sans: [worker.svc]
---
kind: role
version: v6
metadata:
  name: bench-issuer
spec:
  allow:
    workload_identity_labels:
      team: [bench]
    rules:
      - resources: [workload_identity]
        verbs: [list, read]
`
}

export async function localBackendSource(dir: string, trustDomain: string, bundlePollIntervalMs = 60_000): Promise<LocalBackendSource> {
  const dataDir = join(dir, 'data')
  const uid = process.getuid?.() ?? 0
  const backend = await LocalBackend.open({dataDir, create: true, clusterName: trustDomain})
  await backend.createResources(parseResources(resources(uid), 'bench.yaml'), {force: false})
  const {token} = await backend.addBot({name: 'bench-bot', roles: ['bench-issuer']})
  const config = await parseTbotConfig(`version: v2
onboarding: {join_method: token, token: ${token.metadata.name}}
storage: {type: memory}
`)
  const session: BotSession = await connectTbot(dataDir)(config, {log: discardLogger, signal: new AbortController().signal})
  const source = new SessionWorkloadSource({
    session, selector: {name: 'bench-worker'}, credentialTtlMs: config.credentialTtlMs,
    renewalIntervalMs: config.renewalIntervalMs, bundlePollIntervalMs, clock: systemClock, random: Math.random,
    log: discardLogger,
  })
  await source.start()
  const entitled: WorkloadCaller = {workload: {unix: {attested: true, pid: 1, uid, gid: process.getgid?.() ?? 0}}}
  return {
    source,
    entitled,
    backend,
    async close() {
      await source.stop()
      await session.close()
    },
  }
}
