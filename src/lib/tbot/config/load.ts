/**
 * tbot config v2 from YAML (teleport.md §6, lib/tbot/config/config.go) into a typed TbotConfig. Every
 * error names the file and the field path (`tbot.yaml: services[0].selector: one of ['name', 'labels']
 * must be set`); unknown fields are errors, as Teleport's strict decoder makes them. The join token
 * may be an absolute file path, read here and trimmed (Teleport's TryReadValueAsFile).
 */
import {promises as fs} from 'node:fs'
import {isAbsolute} from 'node:path'
import {InputError} from '../../errors.js'
import {FieldReader, isMapping} from './fields.js'
import {checkLifetime, parseService, type ServiceDefaults, type ServiceDraft} from './services.js'
import {
  DEFAULT_CREDENTIAL_TTL_MS,
  DEFAULT_RENEWAL_INTERVAL_MS,
  DEFAULT_STORAGE_PATH,
  MAX_CREDENTIAL_TTL_MS,
  type OnboardingConfig,
  type ServiceConfig,
  type StorageConfig,
  type SymlinkPolicy,
  type TbotConfig,
} from './types.js'

export interface ParseConfigOptions {
  /** The file name used in messages (default `tbot.yaml`). */
  readonly file?: string
  /** Reads a token file (tests inject one); default: the file system. */
  readonly readTokenFile?: (path: string) => Promise<string>
}

/** Teleport's SupportedJoinMethods: recognised, but only `token` works here. */
const TELEPORT_JOIN_METHODS = new Set([
  'azure', 'azure_devops', 'bitbucket', 'bound_keypair', 'circleci', 'ec2', 'gcp', 'github', 'gitlab',
  'iam', 'kubernetes', 'oracle', 'spacelift', 'terraform_cloud', 'token', 'tpm',
])

const TOP_LEVEL_HINTS: Readonly<Record<string, string>> = {
  certificate_ttl: 'did you mean credential_ttl?',
  auth_token: 'use onboarding.token',
  destinations: 'tbot config v1; use services',
}

export async function loadTbotConfig(path: string, options: Omit<ParseConfigOptions, 'file'> = {}): Promise<TbotConfig> {
  return parseTbotConfig(await readConfigText(path), {...options, file: path})
}

/** The config file's text; Teleport's wording when it cannot be opened. */
export async function readConfigText(path: string): Promise<string> {
  try {
    return await fs.readFile(path, 'utf8')
  } catch (err) {
    throw new InputError({file: path}, `failed to open file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
}

export async function parseTbotConfig(text: string, options: ParseConfigOptions = {}): Promise<TbotConfig> {
  const file = options.file ?? 'tbot.yaml'
  return configFromDocument(await parseTbotYaml(text, file), {...options, file})
}

/** Validate an already-decoded config document (YAML, or one built from CLI flags). */
export async function configFromDocument(doc: unknown, options: ParseConfigOptions = {}): Promise<TbotConfig> {
  const file = options.file ?? 'tbot.yaml'
  const r = new FieldReader(doc, file, '')
  checkVersion(r)
  const oneshot = r.bool('oneshot') ?? false
  const credentialTtlMs = r.duration('credential_ttl') ?? DEFAULT_CREDENTIAL_TTL_MS
  const renewalIntervalMs = r.duration('renewal_interval') ?? DEFAULT_RENEWAL_INTERVAL_MS
  checkLifetime(r, {credentialTtlMs, renewalIntervalMs}, oneshot, MAX_CREDENTIAL_TTL_MS)
  const defaults: ServiceDefaults = {credentialTtlMs, renewalIntervalMs, oneshot}
  const proxyServer = nonEmpty(r.string('proxy_server'))
  const authServer = nonEmpty(r.string('auth_server'))
  if (proxyServer !== undefined && authServer !== undefined) throw r.error('', 'cannot use both auth_server and proxy_server')
  const insecure = r.bool('insecure') ?? false
  const onboarding = await parseOnboarding(r, insecure, options.readTokenFile ?? readTokenFileFromDisk)
  const storage = parseStorage(r)
  if (r.bool('fips') === true) throw r.error('fips', 'FIPS mode is not supported by svidkit')
  const debug = r.bool('debug') ?? false
  const diagAddr = nonEmpty(r.string('diag_addr'))
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

/**
 * The join token, or an error naming where it should have come from. The agent calls this only when
 * it must join (no stored identity), so a token file removed after the first join is fine.
 */
export function requireJoinToken(config: TbotConfig): string {
  const {token, tokenFile, tokenFileProblem} = config.onboarding
  if (token !== undefined && token !== '') return token
  const where = {file: config.source, field: 'onboarding.token'}
  if (tokenFile !== undefined) {
    throw new InputError(where, `token file ${tokenFile} ${tokenFileProblem ?? 'is empty'}`)
  }
  throw new InputError(where, 'a join token is required to join the cluster for the first time')
}

/** YAML text → plain document; syntax errors name the file. */
export async function parseTbotYaml(text: string, file: string): Promise<unknown> {
  const {parse} = await import('yaml')
  try {
    return parse(text) ?? {}
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n[\s\S]*$/, '')
    throw new InputError({file}, `failed parsing config file: ${message}`)
  }
}

function checkVersion(r: FieldReader): void {
  const version = r.string('version')
  if (version === 'v2') return
  if (version === undefined || version === '') {
    throw r.error('version', 'must be set to v2 (svidkit reads tbot config v2 only)')
  }
  if (version === 'v1') {
    throw r.error('version', 'config version v1 is not supported; migrate the file to v2 ' +
      '(https://goteleport.com/docs/reference/machine-id/v14-upgrade-guide/)')
  }
  throw r.error('version', `unrecognized config version ${JSON.stringify(version)}`)
}

async function parseOnboarding(top: FieldReader, insecure: boolean, readTokenFile: (path: string) => Promise<string>): Promise<OnboardingConfig> {
  const r = top.mapping('onboarding') ?? new FieldReader({}, top.file, 'onboarding')
  const joinMethod = nonEmpty(r.string('join_method')) ?? 'token'
  if (joinMethod !== 'token') {
    const reason = TELEPORT_JOIN_METHODS.has(joinMethod)
      ? `join method ${JSON.stringify(joinMethod)} is not supported by svidkit; supported: token`
      : `unrecognized join method: ${JSON.stringify(joinMethod)}`
    throw r.error(r.fieldPath('join_method'), reason)
  }
  const caPins = r.stringList('ca_pins') ?? []
  caPins.forEach((pin, i) => {
    if (!/^sha256:[0-9a-f]{64}$/i.test(pin)) throw r.error(`${r.fieldPath('ca_pins')}[${i}]`, `invalid CA pin ${JSON.stringify(pin)}: expected sha256:<64 hex digits>`)
  })
  const caPath = nonEmpty(r.string('ca_path'))
  if (insecure && caPins.length > 0) throw r.error(r.fieldPath('ca_pins'), 'the option ca-pin is mutually exclusive with --insecure')
  if (insecure && caPath !== undefined) throw r.error(r.fieldPath('ca_path'), 'the option ca-path is mutually exclusive with --insecure')
  if (caPins.length > 0 && caPath !== undefined) throw r.error(r.path, 'the options ca-pin and ca-path are mutually exclusive')
  const token = await resolveToken(nonEmpty(r.string('token')), readTokenFile)
  r.done()
  return {joinMethod: 'token', ...token, caPins, ...(caPath !== undefined ? {caPath} : {})}
}

type TokenFields = Pick<OnboardingConfig, 'token' | 'tokenFile' | 'tokenFileProblem'>

/** An absolute path means "read the token from this file" (Teleport's TryReadValueAsFile). */
export async function resolveToken(value: string | undefined, readTokenFile: (path: string) => Promise<string>): Promise<TokenFields> {
  if (value === undefined) return {}
  if (!isAbsolute(value)) return {token: value}
  try {
    const contents = (await readTokenFile(value)).trim()
    return contents === '' ? {tokenFile: value, tokenFileProblem: 'is empty'} : {token: contents, tokenFile: value}
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return {tokenFile: value, tokenFileProblem: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`}
  }
}

async function readTokenFileFromDisk(path: string): Promise<string> {
  return fs.readFile(path, 'utf8')
}

/** `storage: {type: directory, path}` (default /var/lib/teleport/bot) or `{type: memory}`. */
function parseStorage(top: FieldReader): StorageConfig {
  const r = top.mapping('storage')
  if (r === undefined) return {type: 'directory', path: DEFAULT_STORAGE_PATH, symlinks: 'try-secure'}
  const type = nonEmpty(r.string('type')) ?? 'directory'
  if (type === 'memory') {
    r.done()
    return {type: 'memory'}
  }
  if (type !== 'directory') {
    const why = type === 'kubernetes_secret' ? 'is not supported by svidkit' : 'is not a known storage type'
    throw r.error(r.fieldPath('type'), `${JSON.stringify(type)} ${why}; supported: directory, memory`)
  }
  const path = nonEmpty(r.string('path')) ?? DEFAULT_STORAGE_PATH
  const symlinks = (r.string('symlinks') ?? 'try-secure') as SymlinkPolicy
  if (!['secure', 'try-secure', 'insecure'].includes(symlinks)) {
    throw r.error(r.fieldPath('symlinks'), `must be one of secure, try-secure, insecure, got ${JSON.stringify(symlinks)}`)
  }
  const acls = r.string('acls') ?? 'off'
  if (acls !== 'off') throw r.error(r.fieldPath('acls'), `${JSON.stringify(acls)} is not supported by svidkit (Linux ACLs); use off`)
  r.done()
  return {type: 'directory', path, symlinks}
}

function parseServiceList(r: FieldReader, field: 'services' | 'outputs', defaults: ServiceDefaults): ServiceDraft[] {
  const list = r.list(field) ?? []
  return list.map((item, i) => {
    if (!isMapping(item)) throw r.error(`${field}[${i}]`, 'must be a mapping with a type')
    return parseService(item, r.file, `${field}[${i}]`, defaults)
  })
}

const RESERVED_SERVICE_NAMES = new Set(['ca-rotation', 'crl-cache', 'heartbeat', 'identity', 'spiffe-trust-bundle-cache'])

/** Teleport's serviceNamer: user names are checked; missing ones become `<type>-<n>`. */
export function nameServices(drafts: readonly ServiceDraft[], file: string): ServiceConfig[] {
  const used = new Set<string>()
  const countByType = new Map<string, number>()
  return drafts.map((draft) => {
    const n = (countByType.get(draft.type) ?? 0) + 1
    countByType.set(draft.type, n)
    const fail = (reason: string) => new InputError({file, field: `${draft.origin}.name`}, reason)
    let name = draft.name
    if (name === undefined) {
      name = `${draft.type}-${n}`
      if (used.has(name)) throw fail(`service name "${name}" conflicts with an automatically generated service name`)
    } else {
      if (used.has(name)) throw fail(`service name "${name}" used more than once`)
      if (RESERVED_SERVICE_NAMES.has(name)) throw fail(`service name "${name}" is reserved for internal use`)
      if (/[^a-z\d_\-+]/.test(name)) {
        throw fail(`invalid service name: "${name}", may only contain lowercase letters, numbers, hyphens, underscores, or plus symbols`)
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}
