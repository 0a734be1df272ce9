#!/usr/bin/env node
// Build step: the Workload API and Envoy SDS definitions as pruned protobufjs JSON descriptors,
// written to dist/proto/ (or the directory given as the first argument). Only the types reachable
// from each service (and the types its Any fields carry) are kept, so tbot loads a few dozen types
// with protobufjs' Root.fromJSON instead of parsing ~40 vendored .proto files at start
// (src/lib/workloadapi/descriptors.ts loads them; it falls back to the .proto files when absent).
// test/unit/workloadapi/descriptors.test.ts checks the wire bytes match the parsed .proto files.
import {mkdirSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, isAbsolute, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// protobufjs as @grpc/proto-loader resolves it (the version whose JSON the runtime reads); loading
// proto-loader first registers the well-known files protobufjs lacks (google/protobuf/descriptor.proto).
const require = createRequire(import.meta.url)
require('@grpc/proto-loader')
const protobuf = createRequire(require.resolve('@grpc/proto-loader'))('protobufjs')

/** Each descriptor: the .proto files, the services and the extra (Any-carried) messages to keep. */
export const DESCRIPTORS = {
  workload: {files: ['workload.proto'], keep: ['SpiffeWorkloadAPI']},
  sds: {
    files: [
      'envoy/service/secret/v3/sds.proto',
      'envoy/extensions/transport_sockets/tls/v3/secret.proto',
      'envoy/extensions/transport_sockets/tls/v3/tls_spiffe_validator_config.proto',
    ],
    keep: [
      'envoy.service.secret.v3.SecretDiscoveryService',
      'envoy.extensions.transport_sockets.tls.v3.Secret',
      'envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig',
    ],
  },
}

function loadRoot(files) {
  const protoDir = join(root, 'proto')
  const r = new protobuf.Root()
  // As proto-loader's includeDirs: imports resolve under proto/ (protobufjs supplies google/protobuf).
  r.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') || isAbsolute(target) ? target : join(protoDir, target))
  r.loadSync(files.map((f) => join(protoDir, f)), {keepCase: true})
  r.resolveAll()
  return r
}

/** Every type and service reachable from `names`: field types, map values, method messages. */
function reachable(r, names) {
  const seen = new Set()
  const visit = (obj) => {
    if (obj === null || seen.has(obj)) return
    seen.add(obj)
    if (obj instanceof protobuf.Service) {
      for (const m of obj.methodsArray) {
        visit(m.resolvedRequestType)
        visit(m.resolvedResponseType)
      }
    }
    if (obj instanceof protobuf.Type) for (const f of obj.fieldsArray) visit(f.resolvedType)
    // A nested type is written inside its parent: keep the parents (as namespaces) too.
    for (let p = obj.parent; p && !(p instanceof protobuf.Root); p = p.parent) if (p instanceof protobuf.Type) visit(p)
  }
  for (const name of names) visit(r.lookup(name))
  return seen
}

/** The JSON of namespace `ns` holding only what `keep` names (types keep their own fields, options, oneofs). */
function pruned(ns, keep) {
  const nested = {}
  for (const child of ns.nestedArray) {
    const inner = child.nestedArray ? pruned(child, keep) : undefined
    if (keep.has(child)) {
      const json = child.toJSON()
      delete json.nested
      nested[child.name] = inner ? {...json, ...inner} : json
    } else if (inner && !(child instanceof protobuf.Type)) nested[child.name] = inner
  }
  return Object.keys(nested).length === 0 ? undefined : {nested}
}

export function descriptor(name) {
  const {files, keep} = DESCRIPTORS[name]
  const r = loadRoot(files)
  return pruned(r, reachable(r, keep))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? join(root, 'dist/proto')
  mkdirSync(out, {recursive: true})
  for (const name of Object.keys(DESCRIPTORS)) writeFileSync(join(out, `${name}.json`), JSON.stringify(descriptor(name)) + '\n')
}
