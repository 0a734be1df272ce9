import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {caStateFromMaterial, type CertAuthorityState} from '../../../src/lib/ca/ca-state.js'
import {checkRotateRequest, duePhase, generateSchedule, nextRotationState} from '../../../src/lib/authority/rotation-phases.js'
import {BadParameterError} from '../../../src/lib/errors.js'
import {sharedCa} from '../../helpers/pki.js'

describe('rotation phases (Teleport lib/auth/rotate.go)', () => {
  it('moves the keys: init adds, update_clients swaps, standby drops; rollback swaps back', async () => {
    const old = await sharedCa()
    const fresh = await sharedCa({clusterName: 'example.org', x509KeyType: 'rsa-2048'})
    const now = new Date('2026-12-04T12:00:00Z')
    const newKeys = async () => ({tls: [fresh.spiffeCa], jwt: [fresh.jwtKey]})
    const step = (ca: CertAuthorityState, phase: string) => nextRotationState(ca, checkRotateRequest({type: 'spiffe', targetPhase: phase, mode: 'manual'}, now), {now, newKeys, id: 'r1'})
    const start = caStateFromMaterial(old).authorities.spiffe
    const init = await step(start, 'init')
    assert.deepEqual([init.active.tls[0], init.additionalTrusted.tls[0]], [old.spiffeCa, fresh.spiffeCa])
    assert.equal(init.rotation.state, 'in_progress')
    const clients = await step(init, 'update_clients')
    assert.deepEqual([clients.active.tls[0], clients.additionalTrusted.tls[0]], [fresh.spiffeCa, old.spiffeCa])
    const servers = await step(clients, 'update_servers')
    assert.deepEqual(servers.active, clients.active)
    const done = await step(servers, 'standby')
    assert.deepEqual([done.active.tls, done.additionalTrusted.tls], [[fresh.spiffeCa], []])
    assert.deepEqual([done.rotation.state, done.rotation.lastRotated], ['standby', now])
    const back = await step(clients, 'rollback')
    assert.deepEqual([back.active.tls[0], back.additionalTrusted.tls[0], back.rotation.mode], [old.spiffeCa, fresh.spiffeCa, 'manual'])
    assert.deepEqual((await step(back, 'standby')).active.tls, [old.spiffeCa])
    assert.deepEqual((await step(init, 'rollback')).active.tls, [old.spiffeCa], 'from init nothing was swapped')
    await assert.rejects(step(done, 'rollback'), (err: unknown) => err instanceof BadParameterError && err.message === 'can not transition to phase "rollback" from "standby" phase.')
  })

  it('schedules the automatic phases a third of the grace period apart', () => {
    const now = new Date('2026-12-04T12:00:00Z')
    const s = generateSchedule(now, 3 * 3600_000)
    assert.deepEqual([s.updateClients, s.updateServers, s.standby].map((d) => d.toISOString()), ['2026-12-04T13:00:00.000Z', '2026-12-04T14:00:00.000Z', '2026-12-04T15:00:00.000Z'])
    const ca = {rotation: {state: 'in_progress', phase: 'init', mode: 'auto', currentId: 'x', gracePeriodMs: 1, schedule: s}} as unknown as CertAuthorityState
    assert.equal(duePhase(ca, new Date('2026-12-04T12:59:59Z')), undefined)
    assert.equal(duePhase(ca, new Date('2026-12-04T13:00:00Z')), 'update_clients')
  })
})
