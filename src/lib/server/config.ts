/**
 * The server's config file: the subset of Teleport's config v3 (`teleport start -c teleport.yaml`) that
 * an auth + proxy serving workload identity needs. Parsed once into a typed readonly value; anything
 * outside the subset is an InputError naming the file and the field path.
 *
 * ```yaml
 * version: v3
 * teleport:
 *   data_dir: /var/lib/teleport
 *   log: {output: stderr, severity: INFO, format: {output: text}}
 *   storage:                                       # default: the data directory (type: dir)
 *     type: postgresql
 *     conn_string: postgresql://teleport@db.example.com/teleport_backend?sslmode=verify-full
 *     change_feed_conn_string: postgresql://...    # optional: LISTEN elsewhere (default conn_string)
 *     audit_events_uri: ['postgresql://teleport@db.example.com/teleport_audit']  # optional (default: data_dir/audit.log)
 * auth_service: {enabled: yes, cluster_name: example.com}
 * proxy_service:
 *   enabled: yes
 *   web_listen_addr: 0.0.0.0:3080
 *   public_addr: teleport.example.com:443        # or a list
 *   https_keypairs: [{key_file: /etc/tls/key.pem, cert_file: /etc/tls/fullchain.pem}]
 * ssh_service: {enabled: no}
 * ```
 */
import {readInputFile} from '../input/read-file.js'
import {BadParameterError, InputError} from '../errors.js'
import {decodeDocument} from '../document/decode.js'
import {FieldReader, type UnknownFieldHint} from '../document/fields.js'
import {fail, failType, rootPlace, type Place} from '../document/place.js'
import {parseLogFormat, parseLogLevel, type LogFormat, type LogLevel} from '../log.js'
import {TrustDomain} from '../spiffe/id.js'
import {parseHostPort, type NetAddr} from '../net/addr.js'

/** Teleport's defaults (lib/defaults): the proxy's web port, and its data directory. */
export const DEFAULT_WEB_PORT = 3080
export const DEFAULT_WEB_LISTEN_ADDR = '0.0.0.0:3080'
export const DEFAULT_DATA_DIR = '/var/lib/teleport'

export interface KeyPairFiles {
  readonly keyFile: string
  readonly certFile: string
}

/** Where the cluster's state lives: this host's data directory, or a PostgreSQL database shared by replicas. */
export type StorageConfig =
  | {readonly type: 'dir'}
  | {
    readonly type: 'postgresql'
    readonly connString: string
    readonly changeFeedConnString?: string
    /** A postgresql:// audit_events_uri; audit records go to the data directory's audit.log without one. */
    readonly auditEventsUri?: string
  }

export interface ServerConfig {
  /** The file it came from, for messages. */
  readonly file: string
  readonly version: 'v3'
  readonly dataDir: string
  readonly storage: StorageConfig
  /** `teleport.diag_addr`: the diagnostics listener (server/diag.ts), off when absent. */
  readonly diagAddr?: string
  readonly log: {
    /** `stderr`, `stdout`, or a file path. */
    readonly output: string
    readonly severity: LogLevel
    readonly format: LogFormat
  }
  readonly auth: {
    readonly enabled: boolean
    /** Also the SPIFFE trust domain; undefined lets the server pick its default. */
    readonly clusterName: string | undefined
  }
  readonly proxy: {
    readonly enabled: boolean
    readonly webListenAddr: NetAddr
    /** In the order written; the first is the one the server advertises and dials for thumbprints. */
    readonly publicAddrs: readonly NetAddr[]
    readonly httpsKeyPairs: readonly KeyPairFiles[]
  }
}

export async function loadServerConfig(path: string): Promise<ServerConfig> {
  return parseServerConfig(await readInputFile(path, 'the config file'), path)
}

/** Pure: YAML text in, a validated config out. */
export function parseServerConfig(text: string, file: string): ServerConfig {
  const value = decodeDocument(text, file)
  if (value === undefined) throw new InputError({file}, 'the config file is empty')
  const root = section(value, rootPlace({file}), ['version', 'teleport', 'auth_service', 'proxy_service', 'ssh_service'])
  const version = root.nonEmptyString('version')
  if (version !== 'v3') {
    const why = version === undefined ? 'is required' : `unsupported version "${version}"`
    fail(root.at('version'), `${why}; only v3 is supported`)
  }
  rejectSshService(root)
  const teleport = subsection(root, 'teleport', ['data_dir', 'log', 'diag_addr', 'storage'])
  const diagAddr = teleport?.nonEmptyString('diag_addr')
  return {
    file,
    version,
    dataDir: teleport?.nonEmptyString('data_dir') ?? DEFAULT_DATA_DIR,
    storage: readStorage(teleport && subsection(teleport, 'storage', STORAGE_KEYS)),
    ...(diagAddr !== undefined ? {diagAddr} : {}),
    log: readLog(teleport && subsection(teleport, 'log', ['output', 'severity', 'format'])),
    auth: readAuth(subsection(root, 'auth_service', ['enabled', 'cluster_name'])),
    proxy: readProxy(subsection(root, 'proxy_service', ['enabled', 'web_listen_addr', 'public_addr', 'https_keypairs'])),
  }
}

/** This server reads a small subset of Teleport's config, so an unknown field is told what is. */
const supported = (known: readonly string[]): UnknownFieldHint => () => `supported here: ${known.join(', ')}`

function section(value: unknown, place: Place, known: readonly string[]): FieldReader {
  return FieldReader.of(value, place, known, supported(known))
}

function subsection(parent: FieldReader, key: string, known: readonly string[]): FieldReader | undefined {
  return parent.mapping(key, known, supported(known))
}

function rejectSshService(root: FieldReader): void {
  const ssh = subsection(root, 'ssh_service', ['enabled'])
  if (ssh !== undefined && yesNo(ssh, 'enabled') === true) {
    fail(ssh.at('enabled'), 'the SSH service is not supported by this server; set it to "no" or remove ssh_service')
  }
}

function readLog(log: FieldReader | undefined): ServerConfig['log'] {
  const format = log && subsection(log, 'format', ['output'])
  return {
    output: log?.nonEmptyString('output') ?? 'stderr',
    severity: convert(log, 'severity', parseLogLevel) ?? 'info',
    format: convert(format, 'output', parseLogFormat) ?? 'text',
  }
}

/** Teleport's keys for its PostgreSQL backend (lib/backend/pgbk/pgbk.go Config; lib/config/fileconf.go StorageBackend). */
const STORAGE_KEYS = ['type', 'conn_string', 'change_feed_conn_string', 'audit_events_uri']
const POSTGRES_TYPES = ['postgresql', 'postgres'] // pgbk.Name and its alias pgbk.AltName

function readStorage(storage: FieldReader | undefined): StorageConfig {
  const type = storage?.nonEmptyString('type') ?? 'dir'
  if (storage === undefined || type === 'dir') {
    for (const key of STORAGE_KEYS.slice(1)) if (storage?.get(key) !== undefined) fail(storage.at(key), 'needs storage type "postgresql"')
    return {type: 'dir'}
  }
  if (!POSTGRES_TYPES.includes(type)) fail(storage.at('type'), `unsupported storage type "${type}"; supported here: dir, postgresql`)
  const audit = stringOrList(storage, 'audit_events_uri')
  for (const uri of audit) if (!isPostgresUri(uri.text)) fail(uri.place, 'only a postgresql:// audit events URI is supported here')
  if (audit.length > 1) fail(audit[1]!.place, 'one audit events URI is supported here')
  const changeFeed = postgresUri(storage, 'change_feed_conn_string')
  return {
    type: 'postgresql',
    connString: postgresUri(storage, 'conn_string') ?? fail(storage.at('conn_string'), 'is required for storage type "postgresql"'),
    ...(changeFeed !== undefined ? {changeFeedConnString: changeFeed} : {}),
    ...(audit[0] !== undefined ? {auditEventsUri: audit[0].text} : {}),
  }
}

function isPostgresUri(text: string): boolean {
  return /^postgres(ql)?:\/\//.test(text) && URL.canParse(text)
}

function postgresUri(fields: FieldReader, key: string): string | undefined {
  const text = fields.nonEmptyString(key)
  if (text !== undefined && !isPostgresUri(text)) fail(fields.at(key), 'must be a postgresql:// connection URI')
  return text
}

function readAuth(auth: FieldReader | undefined): ServerConfig['auth'] {
  const clusterName = auth?.nonEmptyString('cluster_name')
  if (auth !== undefined && clusterName !== undefined) {
    // The cluster name is the SPIFFE trust domain of every SVID the cluster issues (Teleport's
    // lib/auth/machineid/workloadidentityv1/issuer_service.go).
    try {
      TrustDomain.parse(clusterName)
    } catch (err) {
      fail(auth.at('cluster_name'), `"${clusterName}" is not a valid SPIFFE trust domain: ${(err as Error).message}`, err)
    }
  }
  return {enabled: (auth && yesNo(auth, 'enabled')) ?? true, clusterName}
}

function readProxy(proxy: FieldReader | undefined): ServerConfig['proxy'] {
  if (proxy === undefined) {
    return {enabled: true, webListenAddr: address(undefined, DEFAULT_WEB_LISTEN_ADDR), publicAddrs: [], httpsKeyPairs: []}
  }
  const webListen = proxy.nonEmptyString('web_listen_addr') ?? DEFAULT_WEB_LISTEN_ADDR
  return {
    enabled: yesNo(proxy, 'enabled') ?? true,
    webListenAddr: address(proxy.at('web_listen_addr'), webListen),
    publicAddrs: stringOrList(proxy, 'public_addr').map(({text, place}) => address(place, text)),
    httpsKeyPairs: (proxy.list('https_keypairs') ?? []).map(({value, place}) => {
      const pair = section(value, place, ['key_file', 'cert_file'])
      return {keyFile: pair.requiredString('key_file'), certFile: pair.requiredString('cert_file')}
    }),
  }
}

/** Teleport's `enabled: yes|no|true|false|on|off` (its YAML is 1.1, where `yes` is a boolean). */
function yesNo(fields: FieldReader, key: string): boolean | undefined {
  const value = fields.get(key)
  if (value === undefined || typeof value === 'boolean') return value
  if (typeof value !== 'string') return failType(fields.at(key), 'yes or no', value)
  const word = value.trim().toLowerCase()
  if (['yes', 'true', 'on'].includes(word)) return true
  if (['no', 'false', 'off'].includes(word)) return false
  return fail(fields.at(key), `must be yes or no, got ${JSON.stringify(value)}`)
}

/** A string, or a list of strings (Teleport's `utils.Strings`), each with its place. */
function stringOrList(fields: FieldReader, key: string): Array<{text: string; place: Place}> {
  if (typeof fields.get(key) === 'string') return [{text: fields.nonEmptyString(key)!, place: fields.at(key)}]
  return (fields.list(key) ?? []).map(({value, place}) => {
    if (typeof value !== 'string') return failType(place, 'a string', value)
    return value === '' ? fail(place, 'must not be empty') : {text: value, place}
  })
}

function address(place: Place | undefined, raw: string): NetAddr {
  try {
    return parseHostPort(raw, DEFAULT_WEB_PORT)
  } catch (err) {
    if (place === undefined || !(err instanceof BadParameterError)) throw err
    return fail(place, err.message, err)
  }
}

/** A string field through a parser whose error becomes an InputError at that field. */
function convert<T>(fields: FieldReader | undefined, key: string, parse: (text: string) => T): T | undefined {
  const text = fields?.nonEmptyString(key)
  if (fields === undefined || text === undefined) return undefined
  try {
    return parse(text)
  } catch (err) {
    return fail(fields.at(key), (err as Error).message, err)
  }
}
