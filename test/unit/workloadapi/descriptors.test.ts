import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import * as protoLoader from '@grpc/proto-loader'
import type {MethodDefinition} from '@grpc/proto-loader'
import {findProtoFile, toProtoStruct} from '../../../src/lib/workloadapi/proto.js'
import {SDS_PROTO_FILES, SDS_SERVICE, SECRET_TYPE_URL, SPIFFE_VALIDATOR_TYPE_URL} from '../../../src/lib/workloadapi/sds/proto.js'
import {tempDir} from '../../helpers/tmp.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..')
const OPTIONS = {keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, json: true}

/** The descriptors as scripts/gen-protos.mjs writes them (run as the build runs it). */
function generated(name: string): protoLoader.PackageDefinition {
  const dir = tempDir()
  execFileSync(process.execPath, [join(ROOT, 'scripts/gen-protos.mjs'), dir])
  return protoLoader.fromJSON(JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Parameters<typeof protoLoader.fromJSON>[0], OPTIONS)
}

function method(definition: protoLoader.PackageDefinition, service: string, name: string): MethodDefinition<object, object> {
  return (definition[service] as Record<string, MethodDefinition<object, object>>)[name]!
}

/** Same bytes out of both definitions, and the same object back from those bytes. */
function sameWire(parsed: MethodDefinition<object, object>, pruned: MethodDefinition<object, object>, request: object, response: object): void {
  const reqBytes = parsed.requestSerialize(request)
  assert.deepEqual(pruned.requestSerialize(request), reqBytes)
  assert.deepEqual(pruned.requestDeserialize(reqBytes), parsed.requestDeserialize(reqBytes))
  const resBytes = parsed.responseSerialize(response)
  assert.ok(resBytes.length > 0)
  assert.deepEqual(pruned.responseSerialize(response), resBytes)
  assert.deepEqual(pruned.responseDeserialize(resBytes), parsed.responseDeserialize(resBytes))
}

describe('pruned descriptors (scripts/gen-protos.mjs) encode as the .proto files do', () => {
  it('SDS: a DiscoveryResponse with both Secret kinds and the SPIFFE validator inside Any', () => {
    const parsed = protoLoader.loadSync([...SDS_PROTO_FILES], {...OPTIONS, includeDirs: [dirname(findProtoFile())]})
    const pruned = generated('sds')
    const request = {version_info: '1', node: {id: 'envoy-1', cluster: 'c', user_agent_name: 'envoy'}, resource_names: ['default', 'ROOTCA'],
      type_url: SECRET_TYPE_URL, response_nonce: 'n1', error_detail: {code: 3, message: 'bad'}}
    const response = {version_info: '2', type_url: SECRET_TYPE_URL, nonce: 'n2', resources: [
      {'@type': SECRET_TYPE_URL, name: 'default', tls_certificate: {certificate_chain: {inline_bytes: Buffer.from('chain')}, private_key: {inline_bytes: Buffer.from('key')}}},
      {'@type': SECRET_TYPE_URL, name: 'ALL', validation_context: {custom_validator_config: {name: 'envoy.tls.cert_validator.spiffe', typed_config: {
        '@type': SPIFFE_VALIDATOR_TYPE_URL, trust_domains: [{name: 'example.org', trust_bundle: {inline_bytes: Buffer.from('bundle')}}],
      }}}},
    ]}
    for (const name of ['StreamSecrets', 'FetchSecrets']) sameWire(method(parsed, SDS_SERVICE, name), method(pruned, SDS_SERVICE, name), request, response)
    assert.ok(method(pruned, SDS_SERVICE, 'FetchSecrets').responseSerialize(response).includes('example.org'), 'the validator config inside the Any inside the Any')
  })

  it('Workload API: X.509 and JWT SVIDs, bundles, and ValidateJWTSVID with Struct claims', () => {
    const parsed = protoLoader.loadSync(findProtoFile(), OPTIONS)
    const pruned = generated('workload')
    const m = (name: string) => [method(parsed, 'SpiffeWorkloadAPI', name), method(pruned, 'SpiffeWorkloadAPI', name)] as const
    sameWire(...m('FetchX509SVID'), {}, {svids: [{spiffe_id: 'spiffe://example.org/a', x509_svid: Buffer.from('c'), x509_svid_key: Buffer.from('k'), bundle: Buffer.from('b'), hint: 'h'}],
      crl: [Buffer.from('crl')], federated_bundles: {'spiffe://other.org': Buffer.from('fb')}})
    sameWire(...m('FetchX509Bundles'), {}, {crl: [], bundles: {'spiffe://example.org': Buffer.from('b')}})
    sameWire(...m('FetchJWTSVID'), {audience: ['a', 'b'], spiffe_id: 'spiffe://example.org/a'}, {svids: [{spiffe_id: 'spiffe://example.org/a', svid: 'x.y.z', hint: ''}]})
    sameWire(...m('FetchJWTBundles'), {}, {bundles: {'spiffe://example.org': Buffer.from('{}')}})
    sameWire(...m('ValidateJWTSVID'), {audience: 'a', svid: 'x.y.z'},
      {spiffe_id: 'spiffe://example.org/a', claims: toProtoStruct({sub: 'spiffe://example.org/a', aud: ['a'], exp: 1767268800, nested: {ok: true, none: null}})})
  })
})
