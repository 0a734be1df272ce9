/**
 * The one-line forms of `tbot start` (Teleport's lib/tbot/cli/start_*.go) and
 * flag overrides of a config file, into the same TbotConfig as the YAML form. Flags become a config
 * document, which goes through the same validation as a file; flag-only syntax (selectors, URIs,
 * durations) is checked first so its errors name the flag.
 */
import {InputError} from '../../errors.js'
import {parseDuration} from '../../duration.js'
import {failType, isPlainObject, rootPlace} from '../../document/place.js'
import {decodeConfigText, readConfigText} from './file.js'
import {configFromDocument, type ParseConfigOptions} from './load.js'
import {JWT_OUTPUT_TYPE, WORKLOAD_API_TYPE, X509_OUTPUT_TYPE, type TbotConfig} from './types.js'

export type OneLineServiceType = typeof X509_OUTPUT_TYPE | typeof JWT_OUTPUT_TYPE | typeof WORKLOAD_API_TYPE

/** Flags every `tbot start` form shares (sharedStartArgs). Unset flags are undefined. */
export interface SharedStartFlags {
  readonly proxyServer?: string
  readonly authServer?: string
  /** A token value, or an absolute path to a file holding it. */
  readonly token?: string
  readonly joinMethod?: string
  readonly caPin?: readonly string[]
  readonly insecure?: boolean
  /** Go duration text, e.g. `1h`. */
  readonly certificateTtl?: string
  readonly renewalInterval?: string
  readonly oneshot?: boolean
  /** `file:///dir`, a plain directory, or `memory://`. */
  readonly storage?: string
  readonly diagAddr?: string
  readonly debug?: boolean
}

/** Flags of the workload-identity-* one-line forms. */
export interface ServiceFlags {
  readonly destination?: string
  readonly nameSelector?: string
  /** `k=v,k2=v2`. */
  readonly labelSelector?: string
  readonly includeFederatedTrustBundles?: boolean
  readonly audience?: readonly string[]
  readonly listen?: string
  /** Octal text, e.g. `0660`. */
  readonly socketMode?: string
}

export type StartFlags = SharedStartFlags & ServiceFlags

export interface BuildConfigInput {
  /** `-c tbot.yaml`: flags then override it, as Teleport's ApplyConfig does. */
  readonly configFile?: string
  /** `tbot start workload-identity-x509 …`: the service the flags describe, appended to the config. */
  readonly serviceType?: OneLineServiceType
  readonly flags: StartFlags
}

const CLI_SOURCE = 'command line'

/** parse flags → this → `runAgent(config, deps)`. */
export async function buildTbotConfig(input: BuildConfigInput, options: Omit<ParseConfigOptions, 'file'> = {}): Promise<TbotConfig> {
  const {flags} = input
  const file = input.configFile ?? CLI_SOURCE
  const base = input.configFile === undefined ? {version: 'v2'} : await readDocument(input.configFile)
  const doc = applySharedFlags(base, flags)
  if (input.serviceType !== undefined) {
    const services = Array.isArray(doc.services) ? doc.services : []
    doc.services = [...services, serviceFromFlags(input.serviceType, flags)]
  }
  return configFromDocument(doc, {...options, file})
}

async function readDocument(path: string): Promise<Record<string, unknown>> {
  const doc = decodeConfigText(await readConfigText(path), path)
  return isPlainObject(doc) ? {...doc} : failType(rootPlace({file: path}), 'a mapping', doc)
}

/** Teleport's sharedStartArgs.ApplyConfig: set flags replace the file's values. */
export function applySharedFlags(base: Readonly<Record<string, unknown>>, flags: SharedStartFlags): Record<string, unknown> {
  const doc: Record<string, unknown> = {...base}
  if (flags.proxyServer) doc.proxy_server = flags.proxyServer
  if (flags.authServer) doc.auth_server = flags.authServer
  if (flags.oneshot === true) doc.oneshot = true
  if (flags.debug === true) doc.debug = true
  if (flags.insecure === true) doc.insecure = true
  if (flags.diagAddr) doc.diag_addr = flags.diagAddr
  if (flags.certificateTtl) doc.credential_ttl = checkedDuration('--certificate-ttl', flags.certificateTtl)
  if (flags.renewalInterval) doc.renewal_interval = checkedDuration('--renewal-interval', flags.renewalInterval)
  if (flags.storage) doc.storage = storageFromUri('--storage', flags.storage)
  // Each onboarding flag replaces its own field (Teleport's lib/tbot/cli start_shared.go ApplyConfig),
  // so `-c FILE --ca-pin X` keeps the file's join_method and token. A pin also drops the file's
  // ca_path: both say how to trust the server, and the command line wins.
  const pins = flags.caPin !== undefined && flags.caPin.length > 0 ? [...flags.caPin] : undefined
  if (flags.token || flags.joinMethod || pins) {
    const onboarding: Record<string, unknown> = isPlainObject(base.onboarding) ? {...base.onboarding} : {}
    if (flags.joinMethod) onboarding.join_method = flags.joinMethod
    if (flags.token) onboarding.token = flags.token
    if (pins) {
      onboarding.ca_pins = pins
      delete onboarding.ca_path
    }
    doc.onboarding = onboarding
  }
  return doc
}

/** The config entry a one-line form describes. */
export function serviceFromFlags(type: OneLineServiceType, flags: ServiceFlags): Record<string, unknown> {
  const selector = selectorFromFlags(flags)
  switch (type) {
    case X509_OUTPUT_TYPE:
      return {
        type,
        destination: destinationFromUri('--destination', requiredFlag('--destination', flags.destination)),
        selector,
        ...(flags.includeFederatedTrustBundles === true ? {include_federated_trust_bundles: true} : {}),
      }
    case JWT_OUTPUT_TYPE: {
      const audiences = (flags.audience ?? []).filter((a) => a !== '')
      if (audiences.length === 0) throw flagError('--audience', 'must have at least one value')
      return {type, destination: destinationFromUri('--destination', requiredFlag('--destination', flags.destination)), selector, audiences}
    }
    case WORKLOAD_API_TYPE:
      return {type, listen: requiredFlag('--listen', flags.listen), selector, ...(flags.socketMode ? {socket_mode: flags.socketMode} : {})}
  }
}

/** `--name-selector N` XOR `--label-selector k=v,k2=v2` (start_workload_identity_*.go). */
export function selectorFromFlags(flags: ServiceFlags): Record<string, unknown> {
  const name = flags.nameSelector ?? ''
  const labels = flags.labelSelector ?? ''
  if (name !== '' && labels !== '') throw flagError('--name-selector', 'cannot be used together with --label-selector')
  if (name !== '') return {name}
  if (labels !== '') return {labels: parseLabelSpec(labels)}
  throw flagError('--name-selector', 'one of --name-selector or --label-selector must be set')
}

/** `k=v,k2=v2` → `{k: [v], k2: [v2]}` (Teleport's ParseLabelSpec, one value per key). */
export function parseLabelSpec(spec: string): Record<string, string[]> {
  const labels: Record<string, string[]> = {}
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=')
    const key = eq < 0 ? '' : part.slice(0, eq).trim()
    const value = eq < 0 ? '' : part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
    if (key === '' || value === '') throw flagError('--label-selector', `invalid label spec ${JSON.stringify(spec)}: expected key=value[,key=value...]`)
    labels[key] = [value]
  }
  return labels
}

/** `file:///dir`, a bare directory, or `memory://` (Teleport's DestinationFromURI). */
export function destinationFromUri(flag: string, uri: string): Record<string, unknown> {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(.*)$/i.exec(uri)
  if (match === null) return {type: 'directory', path: uri}
  const [, scheme = '', host = '', path = ''] = match
  switch (scheme.toLowerCase()) {
    case 'file':
      if (host !== '') throw flagError(flag, 'file-backed data storage must be on the local host')
      if (path === '') throw flagError(flag, 'file:// URI must include a path')
      return {type: 'directory', path: decodeURIComponent(path)}
    case 'memory':
      if (host !== '' || path !== '') throw flagError(flag, 'memory-backed data storage should not have host or path specified')
      return {type: 'memory'}
    default:
      throw flagError(flag, `unrecognized data storage scheme ${JSON.stringify(scheme)}; use file:///path or memory://`)
  }
}

function storageFromUri(flag: string, uri: string): Record<string, unknown> {
  return destinationFromUri(flag, uri)
}

function checkedDuration(flag: string, text: string): string {
  try {
    parseDuration(text)
  } catch (err) {
    throw flagError(flag, err instanceof Error ? err.message : String(err))
  }
  return text
}

function requiredFlag(flag: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw flagError(flag, 'is required')
  return value
}

function flagError(flag: string, reason: string): InputError {
  return new InputError({field: flag}, reason)
}
