/**
 * Envoy's Secret Discovery Service v3 on the wire: the message shapes the handlers use (proto field
 * names, keepCase) and the lazy loader of the vendored Envoy definitions under proto/envoy (with
 * their udpa, xds, validate and google/api|rpc dependencies; proto/README.md lists their sources).
 *
 * `google.protobuf.Any` values are written as `{'@type': TYPE_URL, ...fields}` and encoded by
 * protobufjs' Any wrapper (it looks the type up in the loaded root), so a Secret and the SPIFFE
 * validator config nested in it are encoded by the published definitions, not by hand.
 */
import {dirname} from 'node:path'
import type * as Grpc from '@grpc/grpc-js'
import {grpcService, prunedDescriptor} from '../descriptors.js'
import {findProtoFile} from '../proto.js'

export const SDS_SERVICE = 'envoy.service.secret.v3.SecretDiscoveryService'
export const SECRET_TYPE_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret'
export const SPIFFE_VALIDATOR_TYPE_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig'

export const SDS_PROTO_FILES = [
  'envoy/service/secret/v3/sds.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls_spiffe_validator_config.proto',
] as const

/** envoy.service.discovery.v3.DiscoveryRequest (the fields SDS uses). */
export interface DiscoveryRequest {
  version_info: string
  node: {id?: string; cluster?: string; user_agent_name?: string} | null
  resource_names: string[]
  type_url: string
  response_nonce: string
  error_detail: {code: number; message: string} | null
}

/** An `Any` holding a Secret, as protobufjs' Any wrapper takes it. */
export type AnySecret = Record<string, unknown> & {'@type': string; name: string}

export interface DiscoveryResponse {
  version_info: string
  resources: AnySecret[]
  type_url: string
  nonce: string
}

export interface LoadedSds {
  readonly service: Grpc.ServiceDefinition
  readonly Client: Grpc.ServiceClientConstructor
}

let loaded: Promise<LoadedSds> | undefined

/** The SDS service definition, loaded once on first use (from the build's pruned descriptor, ../descriptors.ts; the .proto files take ~0.3 s to parse). */
export function loadSds(): Promise<LoadedSds> {
  loaded ??= load()
  return loaded
}

/** How decoded messages are shaped (protobufjs toObject options). */
const SHAPE = {longs: String, enums: String, defaults: true, oneofs: true, json: true}

async function load(): Promise<LoadedSds> {
  const grpc = await import('@grpc/grpc-js')
  const json = prunedDescriptor('sds')
  if (json !== undefined) {
    const Client = grpc.makeClientConstructor(await grpcService(json, SDS_SERVICE, SHAPE), SDS_SERVICE)
    return {service: Client.service, Client}
  }
  const protoLoader = await import('@grpc/proto-loader')
  const definition = protoLoader.loadSync([...SDS_PROTO_FILES], {keepCase: true, ...SHAPE, includeDirs: [dirname(findProtoFile())]})
  const Client = grpc.loadPackageDefinition(definition)['envoy']
  const service = lookup(Client, SDS_SERVICE.split('.').slice(1)) as Grpc.ServiceClientConstructor
  return {service: service.service, Client: service}
}

function lookup(root: unknown, path: readonly string[]): unknown {
  let node = root
  for (const step of path) node = (node as Record<string, unknown>)[step]
  return node
}
