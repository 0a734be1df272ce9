/**
 * The pruned protobufjs JSON descriptors the build writes to dist/proto/ (scripts/gen-protos.mjs):
 * the Workload API and Envoy SDS with only the types their services reach. Loading them (grpcService
 * below) spares tbot parsing the ~40 vendored .proto files behind SDS (~4 MB of idle RSS, ~0.1 s);
 * without a build (tsx, a checkout) the loaders parse the .proto files with proto-loader instead.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import type * as Grpc from '@grpc/grpc-js'
import type * as ProtoLoader from '@grpc/proto-loader'
import type {INamespace as ProtobufNamespace, Type as ProtobufType} from 'protobufjs'
import {findUpward} from './package-file.js'

export type DescriptorJson = Parameters<typeof ProtoLoader.fromJSON>[0]

/** dist/proto/<name>.json as the build wrote it, or undefined when there is none. */
export function prunedDescriptor(name: 'workload' | 'sds'): DescriptorJson | undefined {
  const file = findUpward(join('proto', `${name}.json`))
  return file === undefined ? undefined : (JSON.parse(readFileSync(file, 'utf8')) as DescriptorJson)
}

/** How decoded messages are shaped (protobufjs `toObject` options, as proto-loader takes them). */
export interface MessageShape {
  readonly longs?: typeof String
  readonly enums?: typeof String
  readonly defaults?: boolean
  readonly oneofs?: boolean
  readonly json?: boolean
}

/**
 * One service of a pruned descriptor as grpc-js takes it, built on protobufjs' light build the way
 * @grpc/proto-loader builds it (src/index.ts createMethodDefinition: `fromObject` + `encode` out,
 * `decode` + `toObject` in) but without proto-loader: that loads the full protobufjs (the .proto
 * parser and its bundled definitions) and encodes a FileDescriptorProto per message that nothing
 * here reads (~2 MB of idle RSS). test/unit/workloadapi/descriptors.test.ts compares the bytes.
 */
export async function grpcService(json: DescriptorJson, serviceName: string, shape: MessageShape): Promise<Grpc.ServiceDefinition> {
  const protobuf = (await import('protobufjs/light.js')).default
  const root = protobuf.Root.fromJSON(json as ProtobufNamespace)
  root.resolveAll()
  const service = root.lookupService(serviceName)
  const serialize = (type: ProtobufType) => (value: object): Buffer => Buffer.from(type.encode(type.fromObject(value as Record<string, unknown>)).finish())
  const deserialize = (type: ProtobufType) => (bytes: Buffer): object => type.toObject(type.decode(bytes), shape)
  const definition: Record<string, Grpc.MethodDefinition<object, object>> = {}
  for (const method of service.methodsArray) {
    const request = method.resolvedRequestType!
    const response = method.resolvedResponseType!
    definition[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: serialize(request),
      requestDeserialize: deserialize(request),
      responseSerialize: serialize(response),
      responseDeserialize: deserialize(response),
    }
  }
  return definition
}
