/**
 * Nothing issued without its audit record (hardening issue item 4), in process over a real data
 * directory whose audit.log cannot be written (it is a directory): the Authority returns no
 * credential, and tbot's Workload API source (the path a workload's FetchX509SVID/FetchJWTSVID
 * takes) hands out no SVID. The server and tctl cases run the real binaries: e2e/audit-fail-closed.
 */
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {AdminSession} from '../../../src/lib/authority/admin-session.js'
import {LocalBackend} from '../../../src/lib/backend/local/backend.js'
import {generateP256KeyDer} from '../../../src/lib/ca/fast-leaf/fast-keygen.js'
import {discardLogger} from '../../../src/lib/log.js'
import {parseResources} from '../../../src/lib/resources/parse.js'
import {ManualClock} from '../../../src/lib/tbot/clock.js'
import {SessionWorkloadSource} from '../../../src/lib/tbot/workload-source.js'

const dir = mkdtempSync(join(tmpdir(), 'audit-fail-closed-'))
after(() => rmSync(dir, {recursive: true, force: true}))

const WORKER = `
kind: workload_identity
version: v1
metadata: {name: worker}
spec:
  spiffe: {id: /svc/worker}
`
const NOTHING_ISSUED = /^audit log \S+audit\.log: EISDIR: illegal operation on a directory; nothing was issued$/

async function backendWithUnwritableAudit(name: string): Promise<LocalBackend> {
  const dataDir = join(dir, name)
  const backend = await LocalBackend.open({dataDir, clusterName: 'example.teleport.sh'})
  await backend.createResources(parseResources(WORKER, 'worker.yaml'), {force: false})
  mkdirSync(join(dataDir, 'audit.log'))
  return backend
}

describe('an audit write that fails fails the issuance', () => {
  it('the Authority returns no X.509 or JWT credential', async () => {
    const authority = await (await backendWithUnwritableAudit('authority')).authority()
    const caller = {kind: 'admin', name: 'admin'} as const
    await assert.rejects(authority.issueX509Svids({caller, selector: {name: 'worker'}, publicKey: generateP256KeyDer().spki}),
      {code: 'INTERNAL', message: NOTHING_ISSUED})
    await assert.rejects(authority.issueJwtSvids({caller, selector: {name: 'worker'}, audiences: ['a']}), {message: NOTHING_ISSUED})
    await assert.rejects(authority.flush(), {message: NOTHING_ISSUED})
  })

  it("tbot's Workload API source hands out no SVID", async () => {
    const session = new AdminSession(await (await backendWithUnwritableAudit('tbot')).authority())
    const source = new SessionWorkloadSource({
      session, selector: {name: 'worker'}, credentialTtlMs: 3_600_000, renewalIntervalMs: 1_200_000,
      bundlePollIntervalMs: 60_000, clock: new ManualClock(), random: () => 0.5, log: discardLogger,
    })
    await source.start()
    const caller = {workload: {unix: {attested: true, pid: 10, uid: 1000, gid: 1000}}}
    await assert.rejects(source.x509Svids(caller), {message: NOTHING_ISSUED})
    await assert.rejects(source.jwtSvids(caller, ['a']), {message: NOTHING_ISSUED})
    await source.stop()
  })
})
