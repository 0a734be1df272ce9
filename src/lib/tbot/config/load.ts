/**
 * tbot config v2 (Teleport's lib/tbot/config/config.go) into a typed TbotConfig. Every error names the
 * file and the field path (`tbot.yaml: services[0].selector: one of ['name', 'labels'] must be set`);
 * unknown fields are errors, as Teleport's strict decoder (KnownFields) makes them.
 */
import {FieldReader, hintFrom} from '../../document/fields.js'
import {fail, fieldPlace, rootPlace} from '../../document/place.js'
import {decodeConfigText, readConfigText} from './file.js'
import {nonBlank, parseOnboarding, type ReadTokenFile} from './onboarding.js'
import {checkLifetime, parseService, type ServiceDefaults, type ServiceDraft} from './services.js'
import {
  DEFAULT_CREDENTIAL_TTL_MS,
  DEFAULT_RENEWAL_INTERVAL_MS,
  DEFAULT_STORAGE_PATH,
  MAX_CREDENTIAL_TTL_MS,
  type ServiceConfig,
  type StorageConfig,
  type SymlinkPolicy,
  type TbotConfig,
} from './types.js'

export interface ParseConfigOptions {
  /** The file name used in messages (default `tbot.yaml`). */
  readonly file?: string
  /** Reads a token file (tests inject one); default: the file system. */
  readonly readTokenFile?: ReadTokenFile
}

/** Settings of other tbot versions or of Teleport's v1 config, explained when they turn up. */
const TOP_LEVEL_HINTS = hintFrom({
  certificate_ttl: 'did you mean credential_ttl?',
  auth_token: 'use onboarding.token',
  destinations: 'tbot config v1; use services',
})

export async function loadTbotConfig(path: string, options: Omit<ParseConfigOptions, 'file'> = {}): Promise<TbotConfig> {
  return parseTbotConfig(await readConfigText(path), {...options, file: path})
}

export async function parseTbotConfig(text: string, options: ParseConfigOptions = {}): Promise<TbotConfig> {
  const file = options.file ?? 'tbot.yaml'
  return configFromDocument(decodeConfigText(text, file), {...options, file})
}

/** Validate an already-decoded config document (YAML, or one built from CLI flags). */
export async function configFromDocument(doc: unknown, options: ParseConfigOptions = {}): Promise<TbotConfig> {
  const file = options.file ?? 'tbot.yaml'
  const r = FieldReader.of(doc, rootPlace({file}))
  checkVersion(r)
  const oneshot = r.boolean('oneshot') ?? false
  const credentialTtlMs = r.duration('credential_ttl', {positive: true}) ?? DEFAULT_CREDENTIAL_TTL_MS
  const renewalIntervalMs = r.duration('renewal_interval', {positive: true}) ?? DEFAULT_RENEWAL_INTERVAL_MS
  checkLifetime(r, {credentialTtlMs, renewalIntervalMs}, oneshot, MAX_CREDENTIAL_TTL_MS)
  const defaults: ServiceDefaults = {credentialTtlMs, renewalIntervalMs, oneshot}
  const proxyServer = nonBlank(r.text('proxy_server'))
  const authServer = nonBlank(r.text('auth_server'))
  if (proxyServer !== undefined && authServer !== undefined) fail(r.place, 'cannot use both auth_server and proxy_server')
  const insecure = r.boolean('insecure') ?? false
  const onboarding = await parseOnboarding(r, insecure, options.readTokenFile)
  const storage = parseStorage(r)
  if (r.boolean('fips') === true) fail(r.at('fips'), 'FIPS mode is not supported by svidkit')
  const debug = r.boolean('debug') ?? false
  const diagAddr = nonBlank(r.text('diag_addr'))
  const drafts = [...parseServiceList(r, 'services', defaults), ...parseServiceList(r, 'outputs', defaults)]
  r.done(TOP_LEVEL_HINTS)
  const services = nameServices(drafts, file)
  return {
    version: 'v2',
    source: file,
    ...(proxyServer !== undefined ? {proxyServer} : {}),
    ...(authServer !== undefined ? {authServer} : {}),
    onboarding,
    insecure,
    storage,
    credentialTtlMs,
    renewalIntervalMs,
    oneshot,
    debug,
    ...(diagAddr !== undefined ? {diagAddr} : {}),
    services,
    warnings: destinationWarnings(services, storage),
  }
}

function checkVersion(r: FieldReader): void {
  const version = nonBlank(r.text('version'))
  if (version === 'v2') return
  if (version === undefined) fail(r.at('version'), 'must be set to v2 (svidkit reads tbot config v2 only)')
  if (version === 'v1') {
    fail(r.at('version'), 'config version v1 is not supported; migrate the file to v2 ' +
      '(https://goteleport.com/docs/reference/machine-id/v14-upgrade-guide/)')
  }
  fail(r.at('version'), `unrecognized config version ${JSON.stringify(version)}`)
}

/** `storage: {type: directory, path}` (default /var/lib/teleport/bot) or `{type: memory}`. */
function parseStorage(top: FieldReader): StorageConfig {
  const r = top.mapping('storage')
  if (r === undefined) return {type: 'directory', path: DEFAULT_STORAGE_PATH, symlinks: 'try-secure'}
  const type = nonBlank(r.text('type')) ?? 'directory'
  if (type === 'memory') {
    r.done()
    return {type: 'memory'}
  }
  if (type !== 'directory') {
    const why = type === 'kubernetes_secret' ? 'is not supported by svidkit' : 'is not a known storage type'
    fail(r.at('type'), `${JSON.stringify(type)} ${why}; supported: directory, memory`)
  }
  const path = nonBlank(r.text('path')) ?? DEFAULT_STORAGE_PATH
  const symlinks = (r.text('symlinks') ?? 'try-secure') as SymlinkPolicy
  if (!['secure', 'try-secure', 'insecure'].includes(symlinks)) {
    fail(r.at('symlinks'), `must be one of secure, try-secure, insecure, got ${JSON.stringify(symlinks)}`)
  }
  const acls = r.text('acls') ?? 'off'
  if (acls !== 'off') fail(r.at('acls'), `${JSON.stringify(acls)} is not supported by svidkit (Linux ACLs); use off`)
  r.done()
  return {type: 'directory', path, symlinks}
}

function parseServiceList(r: FieldReader, field: 'services' | 'outputs', defaults: ServiceDefaults): ServiceDraft[] {
  return (r.list(field) ?? []).map((item) => parseService(item.value, item.place, defaults))
}

const RESERVED_SERVICE_NAMES = new Set(['ca-rotation', 'crl-cache', 'heartbeat', 'identity', 'spiffe-trust-bundle-cache'])

/** Teleport's serviceNamer: user names are checked; missing ones become `<type>-<n>`. */
export function nameServices(drafts: readonly ServiceDraft[], file: string): ServiceConfig[] {
  const used = new Set<string>()
  const countByType = new Map<string, number>()
  return drafts.map((draft) => {
    const n = (countByType.get(draft.type) ?? 0) + 1
    countByType.set(draft.type, n)
    const refuse: (reason: string) => never = (reason) => fail(fieldPlace({loc: {file}, path: draft.origin}, 'name'), reason)
    let name = draft.name
    if (name === undefined) {
      name = `${draft.type}-${n}`
      if (used.has(name)) refuse(`service name "${name}" conflicts with an automatically generated service name`)
    } else {
      if (used.has(name)) refuse(`service name "${name}" used more than once`)
      if (RESERVED_SERVICE_NAMES.has(name)) refuse(`service name "${name}" is reserved for internal use`)
      if (/[^a-z\d_\-+]/.test(name)) {
        refuse(`invalid service name: "${name}", may only contain lowercase letters, numbers, hyphens, underscores, or plus symbols`)
      }
    }
    used.add(name)
    return {...draft, name} as ServiceConfig
  })
}

/** Teleport logs these at ERROR ("Identical destinations used within config") and carries on. */
function destinationWarnings(services: readonly ServiceConfig[], storage: StorageConfig): string[] {
  const seen = new Map<string, string[]>()
  const add = (path: string, who: string) => seen.set(path, [...(seen.get(path) ?? []), who])
  if (storage.type === 'directory') add(storage.path, 'storage')
  for (const s of services) {
    if (s.type !== 'workload-identity-api' && s.destination.type === 'directory') add(s.destination.path, s.origin)
  }
  return [...seen.entries()]
    .filter(([, users]) => users.length > 1)
    .map(([path, users]) => `identical destination file://${path} used by ${users.join(', ')}; this can produce unusable results`)
}
