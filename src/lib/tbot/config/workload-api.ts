/**
 * The workload-identity-api service's own settings (teleport.md §6, lib/tbot/config/
 * service_workload_identity_api.go): the `listen` address and the `attestors`.
 */
import {isIP} from 'node:net'
import type {FieldReader} from './fields.js'
import {DEFAULT_BINARY_HASH_MAX_SIZE_BYTES, type AttestorsConfig, type ListenAddress} from './types.js'

/** `unix:///abs/path` or `tcp://IP:PORT` (SPIFFE Workload Endpoint §4, go-spiffe's addr.go). */
export function parseListenAddress(listen: string, r: FieldReader): ListenAddress {
  const fail = (why: string) => r.error(r.fieldPath('listen'), `${JSON.stringify(listen)}: ${why}`)
  let url: URL
  try {
    url = new URL(listen)
  } catch {
    throw fail('must be unix:///path/to/socket or tcp://IP:PORT')
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw fail('must not include user info, query values or a fragment')
  }
  if (url.protocol === 'unix:') {
    if (url.host !== '') throw fail('unix socket URI must not include an authority (use unix:///absolute/path)')
    if (url.pathname === '' || url.pathname === '/') throw fail('unix socket URI must include a path')
    return {network: 'unix', path: decodeURIComponent(url.pathname)}
  }
  if (url.protocol === 'tcp:') {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
    if (url.pathname !== '' && url.pathname !== '/') throw fail('tcp socket URI must not include a path')
    if (isIP(host) === 0) throw fail('tcp socket URI host component must be an IP:port')
    if (url.port === '') throw fail('tcp socket URI host component must include a port')
    return {network: 'tcp', host, port: Number(url.port)}
  }
  throw fail('scheme must be unix or tcp')
}

const OTHER_ATTESTORS: Readonly<Record<string, readonly string[]>> = {
  kubernetes: ['enabled', 'kubelet'],
  docker: ['enabled', 'addr'],
  podman: ['enabled', 'addr'],
  systemd: ['enabled'],
  sigstore: ['enabled', 'additional_registries', 'credentials_path', 'allowed_private_network_prefixes'],
}

/** Unix attestation is built in; the others are accepted only while disabled. */
export function parseAttestors(r: FieldReader | undefined): AttestorsConfig {
  let binaryHashMaxSizeBytes = DEFAULT_BINARY_HASH_MAX_SIZE_BYTES
  if (r === undefined) return {unix: {binaryHashMaxSizeBytes}}
  const unix = r.mapping('unix')
  if (unix !== undefined) {
    const size = unix.integer('binary_hash_max_size_bytes')
    if (size !== undefined && size < -1) throw unix.error(unix.fieldPath('binary_hash_max_size_bytes'), 'must be -1 (unlimited), 0 (default) or a positive size')
    if (size !== undefined && size !== 0) binaryHashMaxSizeBytes = size
    unix.done()
  }
  for (const [name, fields] of Object.entries(OTHER_ATTESTORS)) {
    const a = r.mapping(name)
    if (a === undefined) continue
    if (a.bool('enabled') === true) {
      throw a.error(a.fieldPath('enabled'), `the ${name} workload attestor is not supported by svidkit; set enabled: false or remove it`)
    }
    for (const f of fields) a.raw(f)
    a.done()
  }
  r.done()
  return {unix: {binaryHashMaxSizeBytes}}
}
