/**
 * The workload-identity-api service's own settings (Teleport's lib/tbot/config/
 * service_workload_identity_api.go): the `listen` address and the `attestors`.
 */
import {isIP} from 'node:net'
import type {FieldReader} from '../../document/fields.js'
import {fail} from '../../document/place.js'
import {DEFAULT_BINARY_HASH_MAX_SIZE_BYTES, type AttestorsConfig, type ListenAddress} from './types.js'

/** `unix:///abs/path` or `tcp://IP:PORT` (SPIFFE Workload Endpoint §4, go-spiffe's addr.go). */
export function parseListenAddress(listen: string, r: FieldReader): ListenAddress {
  const refuse: (why: string) => never = (why) => fail(r.at('listen'), `${JSON.stringify(listen)}: ${why}`)
  let url: URL
  try {
    url = new URL(listen)
  } catch {
    refuse('must be unix:///path/to/socket or tcp://IP:PORT')
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    refuse('must not include user info, query values or a fragment')
  }
  if (url.protocol === 'unix:') {
    if (url.host !== '') refuse('unix socket URI must not include an authority (use unix:///absolute/path)')
    if (url.pathname === '' || url.pathname === '/') refuse('unix socket URI must include a path')
    return {network: 'unix', path: decodeURIComponent(url.pathname)}
  }
  if (url.protocol === 'tcp:') {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
    if (url.pathname !== '' && url.pathname !== '/') refuse('tcp socket URI must not include a path')
    if (isIP(host) === 0) refuse('tcp socket URI host component must be an IP:port')
    if (url.port === '') refuse('tcp socket URI host component must include a port')
    return {network: 'tcp', host, port: Number(url.port)}
  }
  refuse('scheme must be unix or tcp')
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
    if (size !== undefined && size < -1) fail(unix.at('binary_hash_max_size_bytes'), 'must be -1 (unlimited), 0 (default) or a positive size')
    if (size !== undefined && size !== 0) binaryHashMaxSizeBytes = size
    unix.done()
  }
  for (const [name, fields] of Object.entries(OTHER_ATTESTORS)) {
    const a = r.mapping(name, fields)
    if (a?.boolean('enabled') === true) {
      fail(a.at('enabled'), `the ${name} workload attestor is not supported by svidkit; set enabled: false or remove it`)
    }
  }
  r.done()
  return {unix: {binaryHashMaxSizeBytes}}
}
