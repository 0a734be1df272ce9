import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import * as protoLoader from '@grpc/proto-loader'
import type {MethodDefinition} from '@grpc/proto-loader'
import {grpcService, type DescriptorJson} from '../../../src/lib/workloadapi/descriptors.js'
import {findProtoFile, toProtoStruct} from '../../../src/lib/workloadapi/proto.js'
import {SDS_PROTO_FILES, SDS_SERVICE, SECRET_TYPE_URL, SPIFFE_VALIDATOR_TYPE_URL} from '../../../src/lib/workloadapi/sds/proto.js'
import {tempDir} from '../../helpers/tmp.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..')
const SDS_SHAPE = {longs: String, enums: String, defaults: true, oneofs: true, json: true}
const WORKLOAD_SHAPE = {longs: String, enums: String, defaults: true, oneofs: true}

/** The runtime's service (descriptors.ts grpcService) over the descriptor scripts/gen-protos.mjs writes (run as the build runs it). */
async function generated(name: string, service: string, shape: object): Promise<Record<string, MethodDefinition<object, object>>> {
  const dir = tempDir()
  execFileSync(process.execPath, [join(ROOT, 'scripts/gen-protos.mjs'), dir])
  const json = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as DescriptorJson
  return await grpcService(json, service, shape) as unknown as Record<string, MethodDefinition<object, object>>
}

/** What proto-loader makes of the vendored .proto files (the reference). */
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
  it('SDS: a DiscoveryResponse with both Secret kinds and the SPIFFE validator inside Any', async () => {
    const parsed = protoLoader.loadSync([...SDS_PROTO_FILES], {keepCase: true, ...SDS_SHAPE, includeDirs: [dirname(findProtoFile())]})
    const pruned = await generated('sds', SDS_SERVICE, SDS_SHAPE)
    const request = {version_info: '1', node: {id: 'envoy-1', cluster: 'c', user_agent_name: 'envoy'}, resource_names: ['default', 'ROOTCA'],
      type_url: SECRET_TYPE_URL, response_nonce: 'n1', error_detail: {code: 3, message: 'bad'}}
    const response = {version_info: '2', type_url: SECRET_TYPE_URL, nonce: 'n2', resources: [
      {'@type': SECRET_TYPE_URL, name: 'default', tls_certificate: {certificate_chain: {inline_bytes: Buffer.from('chain')}, private_key: {inline_bytes: Buffer.from('key')}}},
      {'@type': SECRET_TYPE_URL, name: 'ALL', validation_context: {custom_validator_config: {name: 'envoy.tls.cert_validator.spiffe', typed_config: {
        '@type': SPIFFE_VALIDATOR_TYPE_URL, trust_domains: [{name: 'example.org', trust_bundle: {inline_bytes: Buffer.from('bundle')}}],
      }}}},
    ]}
    for (const name of ['StreamSecrets', 'FetchSecrets', 'DeltaSecrets']) {
      const [a, b] = [method(parsed, SDS_SERVICE, name), pruned[name]!]
      assert.deepEqual([b.path, b.requestStream, b.responseStream], [a.path, a.requestStream, a.responseStream])
      if (name !== 'DeltaSecrets') sameWire(a, b, request, response)
    }
    assert.ok(pruned['FetchSecrets']!.responseSerialize(response).includes('example.org'), 'the validator config inside the Any inside the Any')
  })

  it('Workload API: X.509 and JWT SVIDs, bundles, and ValidateJWTSVID with Struct claims', async () => {
    const parsed = protoLoader.loadSync(findProtoFile(), {keepCase: true, ...WORKLOAD_SHAPE})
    const pruned = await generated('workload', 'SpiffeWorkloadAPI', WORKLOAD_SHAPE)
    assert.deepEqual(Object.keys(pruned).sort(), Object.keys(parsed['SpiffeWorkloadAPI']!).sort())
    const m = (name: string) => {
      const [a, b] = [method(parsed, 'SpiffeWorkloadAPI', name), pruned[name]!]
      assert.deepEqual([b.path, b.requestStream, b.responseStream], [a.path, a.requestStream, a.responseStream])
      return [a, b] as const
    }
    sameWire(...m('FetchX509SVID'), {}, {svids: [{spiffe_id: 'spiffe://example.org/a', x509_svid: Buffer.from('c'), x509_svid_key: Buffer.from('k'), bundle: Buffer.from('b'), hint: 'h'}],
      crl: [Buffer.from('crl')], federated_bundles: {'spiffe://other.org': Buffer.from('fb')}})
    sameWire(...m('FetchX509Bundles'), {}, {crl: [], bundles: {'spiffe://example.org': Buffer.from('b')}})
    sameWire(...m('FetchJWTSVID'), {audience: ['a', 'b'], spiffe_id: 'spiffe://example.org/a'}, {svids: [{spiffe_id: 'spiffe://example.org/a', svid: 'x.y.z', hint: ''}]})
    sameWire(...m('FetchJWTBundles'), {}, {bundles: {'spiffe://example.org': Buffer.from('{}')}})
    sameWire(...m('ValidateJWTSVID'), {audience: 'a', svid: 'x.y.z'},
      {spiffe_id: 'spiffe://example.org/a', claims: toProtoStruct({sub: 'spiffe://example.org/a', aud: ['a'], exp: 1767268800, nested: {ok: true, none: null}})})
  })
})
