import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {caMaterialOf, caStateFromMaterial, decodeCaState, encodeCaState} from '../../../src/lib/ca/ca-state.js'
import {CorruptStateError} from '../../../src/lib/errors.js'
import {sharedCa} from '../../helpers/pki.js'

describe('the CA state document', () => {
  it('round-trips every CA, its keys and its rotation status', async () => {
    const m = await sharedCa()
    const other = await sharedCa({clusterName: 'other.example.org'})
    const base = caStateFromMaterial(m)
    const started = new Date('2026-12-04T12:00:00.000Z')
    const state = {
      ...base,
      authorities: {
        ...base.authorities,
        spiffe: {
          ...base.authorities.spiffe,
          additionalTrusted: {tls: [m.botCa], jwt: [other.jwtKey]},
          rotation: {
            state: 'in_progress' as const, phase: 'init' as const, mode: 'auto' as const, currentId: 'id-1', started, gracePeriodMs: 60_000,
            schedule: {updateClients: new Date(started.getTime() + 20_000), updateServers: new Date(started.getTime() + 40_000), standby: new Date(started.getTime() + 60_000)},
          },
        },
      },
    }
    const text = encodeCaState(state)
    const back = decodeCaState(text, 'the store')
    assert.equal(encodeCaState(back), text)
    const material = caMaterialOf(back)
    assert.deepEqual(material.spiffeCa.certDer, m.spiffeCa.certDer)
    assert.deepEqual(material.spiffeTrusted.map((c) => c.certPem), [m.spiffeCa.certPem, m.botCa.certPem])
    assert.deepEqual(material.jwtTrusted.map((k) => k.kid), [m.jwtKey.kid, other.jwtKey.kid])
    assert.equal(back.authorities.spiffe.rotation.schedule?.standby.toISOString(), '2026-12-04T12:01:00.000Z')
    assert.equal(back.authorities.bot.rotation.phase, 'standby')
  })

  it('names the store and the field when the document is bad', async () => {
    const good = JSON.parse(encodeCaState(caStateFromMaterial(await sharedCa()))) as Record<string, any>
    const cases: Array<[string, string, RegExp]> = [
      ['not json', '{', /^db row: invalid CA state: document: not valid JSON$/],
      ['version', JSON.stringify({...good, version: 9}), /^db row: invalid CA state: version: unsupported version 9/],
      ['phase', JSON.stringify({...good, authorities: {...good.authorities, spiffe: {...good.authorities.spiffe, rotation: {phase: 'later'}}}}), /authorities\.spiffe\.rotation\.phase: unknown phase "later"$/],
      ['no key', JSON.stringify({...good, authorities: {...good.authorities, bot: {...good.authorities.bot, active_keys: {tls: []}}}}), /authorities\.bot\.active_keys\.tls: no active key pair$/],
      ['bad key', JSON.stringify({...good, authorities: {...good.authorities, spiffe: {...good.authorities.spiffe, active_keys: {...good.authorities.spiffe.active_keys, jwt: [{private_key: 'x'}]}}}}), /authorities\.spiffe\.active_keys\.jwt\[0\]: expected one PEM PRIVATE KEY block, found 0$/],
    ]
    for (const [name, text, message] of cases) {
      assert.throws(() => decodeCaState(text, 'db row'), (err: unknown) => {
        assert.ok(err instanceof CorruptStateError, name)
        assert.match(err.message, message, name)
        return true
      })
    }
  })
})
