/**
 * The pruned protobufjs JSON descriptors the build writes to dist/proto/ (scripts/gen-protos.mjs):
 * the Workload API and Envoy SDS with only the types their services reach. Loading them with
 * proto-loader's `fromJSON` spares tbot parsing the ~40 vendored .proto files behind SDS (~4 MB of
 * idle RSS, ~0.1 s); without a build (tsx, a checkout) the loaders parse the .proto files instead.
 */
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import type * as ProtoLoader from '@grpc/proto-loader'

export type DescriptorJson = Parameters<typeof ProtoLoader.fromJSON>[0]

/** `relative` in this module's directory or the nearest one above that holds it (dist/src/lib/… or a bundle in dist/). */
export function findUpward(relative: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, relative)
    if (existsSync(candidate)) return candidate
    dir = dirname(dir)
  }
  return undefined
}

/** dist/proto/<name>.json as the build wrote it, or undefined when there is none. */
export function prunedDescriptor(name: 'workload' | 'sds'): DescriptorJson | undefined {
  const file = findUpward(join('proto', `${name}.json`))
  return file === undefined ? undefined : (JSON.parse(readFileSync(file, 'utf8')) as DescriptorJson)
}
