import assert from 'node:assert/strict'
import {generateKeyPairSync} from 'node:crypto'
import {describe, it} from 'node:test'
import {TrustDomain} from '../../../src/lib/spiffe/id.js'
import {SpiffeBundle} from '../../../src/lib/spiffe/spiffe-bundle.js'
import {InputError} from '../../../src/lib/errors.js'
import {parseResourceValue} from '../../../src/lib/resources/parse.js'
import {withStoredStatus, type SpiffeFederation} from '../../../src/lib/resources/spiffe-federation.js'

const LOC = {file: 'fed.yaml', document: 1}
const BUNDLE = new SpiffeBundle(TrustDomain.parse('b.example'), {
  jwtAuthorities: new Map([['k1', generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey]]),
}).marshal()
const fed = (name: string, source: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({kind: 'spiffe_federation', version: 'v1', metadata: {name}, spec: {bundle_source: source}, ...extra})
const parse = (value: unknown) => parseResourceValue(value, LOC) as SpiffeFederation

function messageFor(value: unknown): string {
  try {
    parse(value)
  } catch (err) {
    assert.ok(err instanceof InputError)
    return err.message
  }
  return assert.fail('expected an InputError')
}

describe('spiffe_federation', () => {
  it('parses both bundle sources and a status as tctl get prints it', () => {
    const web = parse(fed('b.example', {https_web: {bundle_endpoint_url: 'https://b.example/webapi/spiffe/bundle.json'}}, {
      status: {current_bundle: BUNDLE, current_bundle_synced_at: '2026-12-04T12:00:00Z', next_sync_at: '2026-12-04T12:05:00Z',
        current_bundle_synced_from: {https_web: {bundle_endpoint_url: 'https://b.example/webapi/spiffe/bundle.json'}},
        current_bundle_refresh_hint: '300s', last_sync_error: 'x', last_sync_attempted_at: '2026-12-04T12:01:00Z'},
    }))
    assert.equal(web.status?.current_bundle_refresh_hint, '300s')
    assert.deepEqual(parse(JSON.parse(JSON.stringify(web))), web)
    assert.equal(parse(fed('c.example', {static: {bundle: BUNDLE}})).spec.bundle_source.static?.bundle, BUNDLE)
  })

  const cases: Array<[string, unknown, string]> = [
    ['no source', fed('b.example', {}), 'spec.bundle_source: at least one of https_web or static must be set'],
    ['both sources', fed('b.example', {static: {bundle: BUNDLE}, https_web: {bundle_endpoint_url: 'https://x'}}),
      'spec.bundle_source: at most one of https_web or static can be set'],
    ['plain http', fed('b.example', {https_web: {bundle_endpoint_url: 'http://b.example/bundle.json'}}),
      'spec.bundle_source.https_web.bundle_endpoint_url: must be an https:// URL (the https_web profile), got "http"'],
    ['not a URL', fed('b.example', {https_web: {bundle_endpoint_url: 'b.example'}}), 'is not a URL: "b.example"'],
    ['spiffe:// name', fed('spiffe://b.example', {static: {bundle: BUNDLE}}), 'metadata.name: must not contain "/"'],
    ['bad trust domain', fed('B_example!', {static: {bundle: BUNDLE}}), 'metadata.name: is not a valid trust domain name'],
    ['bad static bundle', fed('b.example', {static: {bundle: '{"keys": 1}'}}), 'spec.bundle_source.static.bundle: is not a SPIFFE bundle: spiffebundle:'],
    ['no spec', {kind: 'spiffe_federation', version: 'v1', metadata: {name: 'b.example'}}, 'spec: is required'],
  ]
  for (const [what, doc, expected] of cases) {
    it(`refuses ${what}`, () => assert.ok(messageFor(doc).includes(expected), messageFor(doc)))
  }

  it('keeps the stored status when a user writes the resource', () => {
    const stored = parse(fed('b.example', {static: {bundle: BUNDLE}}, {status: {current_bundle: BUNDLE}}))
    const written = parse(fed('b.example', {https_web: {bundle_endpoint_url: 'https://b'}}, {status: {current_bundle: 'forged'}}))
    assert.equal(withStoredStatus(written, stored).status?.current_bundle, BUNDLE)
    assert.equal(withStoredStatus(written, undefined).status, undefined)
  })
})
