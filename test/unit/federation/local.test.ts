/** The local backend syncs federations at read time, unless a server on the directory holds the syncer lock. */
import assert from 'node:assert/strict'
import {createPublicKey} from 'node:crypto'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {trustBundle} from '../../../src/lib/authority/trust.js'
import {LocalBackend} from '../../../src/lib/backend/local/backend.js'
import {FileLeaderLock} from '../../../src/lib/federation/leader-lock.js'
import {localTrustBundle} from '../../../src/lib/federation/local.js'
import {parseResources} from '../../../src/lib/resources/parse.js'
import {TrustDomain} from '../../../src/lib/spiffe/id.js'
import {SpiffeBundle} from '../../../src/lib/spiffe/spiffe-bundle.js'
import {makeTrustDomainCa} from '../../helpers/pki.js'
import {tempDir} from '../../helpers/tmp.js'

describe('federation on the local backend', () => {
  it('syncs a due federation when the trust bundle is read, and only reads while another process leads', async () => {
    const dataDir = join(tempDir(), 'data')
    const backend = await LocalBackend.open({dataDir, clusterName: 'home.example'})
    const local = trustBundle((await backend.authority()).ca)
    const foreign = await makeTrustDomainCa('b.example')
    const bundle = new SpiffeBundle(TrustDomain.parse('b.example'), {
      x509Authorities: [foreign.der], jwtAuthorities: new Map([['k1', createPublicKey(foreign.keyPem)]]),
    }).marshal()
    const yaml = `kind: spiffe_federation\nversion: v1\nmetadata: {name: b.example}\nspec:\n  bundle_source:\n    static:\n      bundle: '${bundle}'\n`
    await backend.createResources(parseResources(yaml, 'fed.yaml'), {force: false})

    const server = await new FileLeaderLock(dataDir).tryAcquire()
    assert.ok(server !== undefined)
    const whileLed = await localTrustBundle(backend, local)
    assert.deepEqual(whileLed.federated, [], 'the leader has not synced yet: nothing to hand out')
    assert.equal(whileLed.fingerprint, local.fingerprint)
    await server.release()

    const synced = await localTrustBundle(backend, local)
    assert.deepEqual(synced.federated.map((f) => f.trustDomain), ['b.example'])
    assert.equal(synced.federated[0]?.x509Pem, foreign.node.toString())
    assert.notEqual(synced.fingerprint, local.fingerprint)
    assert.ok((await backend.getResource('spiffe_federation', 'b.example')).status?.current_bundle_synced_at)
  })
})
