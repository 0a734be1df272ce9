/**
 * The Workload API's wire messages as TypeScript types (proto field names, snake_case, because
 * proto-loader runs with keepCase), the lazy loader of proto/workload.proto, and
 * google.protobuf.Struct conversion for ValidateJWTSVID's claims (spec/SPIFFE_Workload_API.md).
 */
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import type * as Grpc from '@grpc/grpc-js'
import {grpcService, prunedDescriptor} from './descriptors.js'
import {findUpward} from './package-file.js'

export interface X509SvidMessage {
  spiffe_id: string
  x509_svid: Uint8Array
  x509_svid_key: Uint8Array
  bundle: Uint8Array
  hint: string
}
export interface X509SvidResponse {
  svids: X509SvidMessage[]
  crl: Uint8Array[]
  federated_bundles: Record<string, Uint8Array>
}
export interface X509BundlesResponse {
  crl: Uint8Array[]
  bundles: Record<string, Uint8Array>
}
export interface JwtSvidRequest {
  audience: string[]
  spiffe_id: string
}
export interface JwtSvidMessage {
  spiffe_id: string
  svid: string
  hint: string
}
export interface JwtSvidResponse {
  svids: JwtSvidMessage[]
}
export interface JwtBundlesResponse {
  bundles: Record<string, Uint8Array>
}
export interface ValidateJwtSvidRequest {
  audience: string
  svid: string
}
export interface ValidateJwtSvidResponse {
  spiffe_id: string
  claims: ProtoStruct | null
}

/**
 * google.protobuf.Struct / Value / ListValue as proto-loader shapes them: the well-known types come
 * from protobufjs' built-in descriptors, whose field names are camelCase even under keepCase.
 */
export interface ProtoStruct {
  fields: Record<string, ProtoValue>
}
export interface ProtoValue {
  nullValue?: 'NULL_VALUE' | 0
  numberValue?: number
  stringValue?: string
  boolValue?: boolean
  structValue?: ProtoStruct
  listValue?: {values: ProtoValue[]}
  /** The oneof's set member (proto-loader `oneofs: true`). */
  kind?: string
}

/** JSON → Struct (JSON numbers become doubles; SPIRE returns `aud` as a list, callers decide). */
export function toProtoStruct(object: Readonly<Record<string, unknown>>): ProtoStruct {
  const fields: Record<string, ProtoValue> = {}
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) fields[key] = toProtoValue(value)
  }
  return {fields}
}

function toProtoValue(value: unknown): ProtoValue {
  if (value === null) return {nullValue: 'NULL_VALUE'}
  if (typeof value === 'number') return {numberValue: value}
  if (typeof value === 'string') return {stringValue: value}
  if (typeof value === 'boolean') return {boolValue: value}
  if (Array.isArray(value)) return {listValue: {values: value.map(toProtoValue)}}
  if (typeof value === 'object') return {structValue: toProtoStruct(value as Record<string, unknown>)}
  return {stringValue: String(value)}
}

/** Struct → JSON. */
export function fromProtoStruct(struct: ProtoStruct | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = fromProtoValue(value)
  return out
}

function fromProtoValue(value: ProtoValue): unknown {
  // `kind` names the set member after decoding; a Value built in memory has only the member.
  const kind = value.kind ?? Object.keys(value).find((k) => k.endsWith('Value'))
  switch (kind) {
    case 'numberValue': return value.numberValue
    case 'stringValue': return value.stringValue
    case 'boolValue': return value.boolValue
    case 'structValue': return fromProtoStruct(value.structValue)
    case 'listValue': return (value.listValue?.values ?? []).map(fromProtoValue)
    default: return null
  }
}

export const SERVICE_NAME = 'SpiffeWorkloadAPI'

export interface LoadedWorkloadApi {
  readonly grpc: typeof Grpc
  readonly service: Grpc.ServiceDefinition
  readonly Client: Grpc.ServiceClientConstructor
}

let loaded: Promise<LoadedWorkloadApi> | undefined

/** grpc-js and the service definition, loaded once, on first use (they are heavy). */
export function loadWorkloadApi(): Promise<LoadedWorkloadApi> {
  loaded ??= load()
  return loaded
}

/** How decoded messages are shaped (protobufjs toObject options). */
const SHAPE = {longs: String, enums: String, defaults: true, oneofs: true}

async function load(): Promise<LoadedWorkloadApi> {
  const grpc = await import('@grpc/grpc-js')
  const json = prunedDescriptor('workload')
  if (json !== undefined) {
    const Client = grpc.makeClientConstructor(await grpcService(json, SERVICE_NAME, SHAPE), SERVICE_NAME)
    return {grpc, service: Client.service, Client}
  }
  const protoLoader = await import('@grpc/proto-loader')
  const definition = protoLoader.loadSync(findProtoFile(), {keepCase: true, ...SHAPE})
  const Client = grpc.loadPackageDefinition(definition)[SERVICE_NAME] as Grpc.ServiceClientConstructor
  return {grpc, service: Client.service, Client}
}

/** proto/workload.proto at the package root, whether running from src/ (tsx) or dist/src/. */
export function findProtoFile(): string {
  const file = findUpward(join('proto', 'workload.proto'))
  if (file === undefined) throw new Error('proto/workload.proto not found above ' + fileURLToPath(import.meta.url))
  return file
}
