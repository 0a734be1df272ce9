/** Our bundle endpoint's spiffe_refresh_hint and spiffe_sequence through the phases of a CA rotation. */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {spiffeBundleFromTrust} from '../../../src/lib/authority/trust.js'
import {makeTrustDomainCa} from '../../helpers/pki.js'

const TD = 'home.example'
const bundleOf = (...pems: string[]) => spiffeBundleFromTrust({trustDomain: TD, x509Pem: pems.join(''), jwtKeys: [], federated: [], fingerprint: ''})

describe('spiffe_sequence', () => {
  it('is the same for the same CAs and grows at init and at standby of a rotation', async () => {
    const old = await makeTrustDomainCa(TD, new Date('2026-01-01T00:00:00Z'))
    const next = await makeTrustDomainCa(TD, new Date('2026-06-01T00:00:00Z'))
    const before = bundleOf(old.certPem)
    assert.equal(before['spiffe_refresh_hint'], 300)
    assert.equal(bundleOf(old.certPem)['spiffe_sequence'], before['spiffe_sequence'], 'stable across calls, restarts and replicas')
    const init = bundleOf(next.certPem, old.certPem)
    const standby = bundleOf(next.certPem)
    assert.ok((init['spiffe_sequence'] as number) > (before['spiffe_sequence'] as number), 'the new CA joins')
    assert.ok((standby['spiffe_sequence'] as number) > (init['spiffe_sequence'] as number), 'the old CA leaves')
    assert.equal(bundleOf(old.certPem, next.certPem)['spiffe_sequence'], init['spiffe_sequence'], 'order does not matter')
    assert.equal(spiffeBundleFromTrust({trustDomain: TD, x509Pem: old.certPem, jwtKeys: [], federated: [], fingerprint: ''}, 42)['spiffe_sequence'], 42)
  })
})
