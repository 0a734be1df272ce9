/**
 * The server's config file: the subset of Teleport's config v3 (`teleport start -c teleport.yaml`) that
 * an auth + proxy serving workload identity needs. Parsed once into a typed readonly value; anything
 * outside the subset is an InputError naming the file and the field path.
 *
 * ```yaml
 * version: v3
 * teleport: {data_dir: /var/lib/teleport, log: {output: stderr, severity: INFO, format: {output: text}}}
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
import {parseDocument} from 'yaml'
import {BadParameterError, InputError} from '../errors.js'
import {parseLogFormat, parseLogLevel, type LogFormat, type LogLevel} from '../log.js'
import {TrustDomain} from '../spiffe/id.js'
import {parseHostPort, type NetAddr} from '../net/addr.js'
import {ConfigMapping} from './config-fields.js'

/** Teleport's defaults (lib/defaults): the proxy's web port, and its data directory. */
export const DEFAULT_WEB_PORT = 3080
export const DEFAULT_WEB_LISTEN_ADDR = '0.0.0.0:3080'
export const DEFAULT_DATA_DIR = '/var/lib/teleport'

export interface KeyPairFiles {
  readonly keyFile: string
  readonly certFile: string
}

export interface ServerConfig {
  /** The file it came from, for messages. */
  readonly file: string
  readonly version: 'v3'
  readonly dataDir: string
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
  const doc = parseDocument(text)
  const [first] = doc.errors
  if (first !== undefined) {
    const line = first.linePos?.[0].line
    const reason = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    throw new InputError({file}, `invalid YAML${line === undefined ? '' : ` at line ${line}`}: ${reason}`)
  }
  const value: unknown = doc.toJS()
  if (value === null || value === undefined) throw new InputError({file}, 'the config file is empty')
  const root = new ConfigMapping(value, file, '', ['version', 'teleport', 'auth_service', 'proxy_service', 'ssh_service'])
  const version = root.string('version')
  if (version !== 'v3') {
    throw root.error('version', version === undefined ? 'is required; only v3 is supported' : `unsupported version "${version}"; only v3 is supported`)
  }
  rejectSshService(root)
  const teleport = root.mapping('teleport', ['data_dir', 'log'])
  return {
    file,
    version,
    dataDir: teleport?.string('data_dir') ?? DEFAULT_DATA_DIR,
    log: readLog(teleport?.mapping('log', ['output', 'severity', 'format'])),
    auth: readAuth(root.mapping('auth_service', ['enabled', 'cluster_name'])),
    proxy: readProxy(root.mapping('proxy_service', ['enabled', 'web_listen_addr', 'public_addr', 'https_keypairs'])),
  }
}

function rejectSshService(root: ConfigMapping): void {
  const ssh = root.mapping('ssh_service', ['enabled'])
  if (ssh?.flag('enabled') === true) {
    throw ssh.error('enabled', 'the SSH service is not supported by this server; set it to "no" or remove ssh_service')
  }
}

function readLog(log: ConfigMapping | undefined): ServerConfig['log'] {
  const format = log?.mapping('format', ['output'])
  return {
    output: log?.string('output') ?? 'stderr',
    severity: convert(log, 'severity', parseLogLevel) ?? 'info',
    format: convert(format, 'output', parseLogFormat) ?? 'text',
  }
}

function readAuth(auth: ConfigMapping | undefined): ServerConfig['auth'] {
  const clusterName = auth?.string('cluster_name')
  if (auth !== undefined && clusterName !== undefined) {
    // The cluster name is the SPIFFE trust domain of every SVID the cluster issues (teleport.md §2).
    try {
      TrustDomain.parse(clusterName)
    } catch (err) {
      throw auth.error('cluster_name', `"${clusterName}" is not a valid SPIFFE trust domain: ${(err as Error).message}`, err)
    }
  }
  return {enabled: auth?.flag('enabled') ?? true, clusterName}
}

function readProxy(proxy: ConfigMapping | undefined): ServerConfig['proxy'] {
  const webListen = proxy?.string('web_listen_addr') ?? DEFAULT_WEB_LISTEN_ADDR
  return {
    enabled: proxy?.flag('enabled') ?? true,
    webListenAddr: address(proxy, 'web_listen_addr', webListen),
    publicAddrs: (proxy?.stringOrList('public_addr') ?? []).map((raw, i) => address(proxy, `public_addr[${i}]`, raw)),
    httpsKeyPairs: (proxy?.mappingList('https_keypairs', ['key_file', 'cert_file']) ?? []).map((pair) => ({
      keyFile: pair.requiredString('key_file'),
      certFile: pair.requiredString('cert_file'),
    })),
  }
}

function address(mapping: ConfigMapping | undefined, field: string, raw: string): NetAddr {
  try {
    return parseHostPort(raw, DEFAULT_WEB_PORT)
  } catch (err) {
    if (mapping === undefined || !(err instanceof BadParameterError)) throw err
    throw mapping.error(field, err.message, err)
  }
}

/** A string field through a parser whose TypeError becomes an InputError at that field. */
function convert<T>(mapping: ConfigMapping | undefined, name: string, parse: (text: string) => T): T | undefined {
  const text = mapping?.string(name)
  if (mapping === undefined || text === undefined) return undefined
  try {
    return parse(text)
  } catch (err) {
    throw mapping.error(name, (err as Error).message, err)
  }
}
