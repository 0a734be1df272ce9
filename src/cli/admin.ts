/**
 * What every `tctl` command shares: where the cluster is, and opening it. The local backend (the
 * data directory) by default; the server with `--auth-server URL --identity FILE` or Teleport's
 * TELEPORT_AUTH_SERVER / TELEPORT_IDENTITY_FILE, running every command the same way remotely.
 */
import {Flags} from '@oclif/core'
import type {AdminApi} from '../lib/backend/admin-api.js'
import type {CaAdminApi} from '../lib/backend/ca-admin-api.js'
import {DATA_DIR_ENV, resolveDataDir} from '../lib/backend/local/data-dir.js'
import {UsageError} from './report-error.js'

export const dataDirFlag = Flags.string({
  description: `Data directory of the local backend (default: $${DATA_DIR_ENV}, else $XDG_DATA_HOME/svidkit).`,
  env: DATA_DIR_ENV,
})

/**
 * Teleport's `tctl -c/--config`: on a server host, work on the storage the server's config names
 * (its data_dir, or its PostgreSQL database shared by the replicas).
 */
export const configFlag = Flags.string({
  char: 'c', description: 'Path to the server\'s teleport.yaml: work on the storage it names (data_dir or PostgreSQL).',
})

export const AUTH_SERVER_ENV = 'TELEPORT_AUTH_SERVER'
export const IDENTITY_FILE_ENV = 'TELEPORT_IDENTITY_FILE'

/** The server and the identity to reach it with. */
export const remoteFlags = {
  'auth-server': Flags.string({
    description: 'Address of the server (host:port or https:// URL); selects the remote backend.',
    env: AUTH_SERVER_ENV,
  }),
  identity: Flags.string({
    char: 'i', description: 'Identity file from "tctl auth sign", for --auth-server.', env: IDENTITY_FILE_ENV,
  }),
  insecure: Flags.boolean({description: 'With --auth-server: do not verify the server certificate. Never use in production.', default: false}),
}

export const adminFlags = {'data-dir': dataDirFlag, config: configFlag, ...remoteFlags}

export interface AdminFlags {
  readonly 'data-dir'?: string
  readonly config?: string
  readonly 'auth-server'?: string
  readonly identity?: string
  readonly insecure?: boolean
}

export interface OpenedAdmin extends AdminApi, CaAdminApi {
  readonly clusterName: string
}

/** For commands that work on the data directory only: --auth-server (or its env var) is a usage error. */
export function refuseAuthServer(flags: AdminFlags, message: string): void {
  if (flags['auth-server'] !== undefined) throw new UsageError(message)
}

/** The local backend itself, for what only the cluster's own host can do (issue as admin, export keys' public parts). */
export async function openLocal(flags: AdminFlags, version: string): Promise<import('../lib/backend/local/backend.js').LocalBackend> {
  refuseAuthServer(flags, 'this command needs the cluster\'s data directory and cannot run against --auth-server')
  return openLocalBackend(flags, version, {create: true})
}

/** The data directory (--data-dir), or the storage of the server config given with -c/--config. */
export async function openLocalBackend(
  flags: Pick<AdminFlags, 'data-dir' | 'config'>, version: string, o: {create: boolean},
): Promise<import('../lib/backend/local/backend.js').LocalBackend> {
  if (flags.config !== undefined) {
    if (flags['data-dir'] !== undefined) throw new UsageError('use either --config or --data-dir, not both')
    const [{loadServerConfig}, {openConfiguredBackend}] = await Promise.all([
      import('../lib/server/config.js'), import('../lib/backend/open-backend.js'),
    ])
    return openConfiguredBackend(await loadServerConfig(flags.config), {version, create: false, changeFeed: false})
  }
  const {LocalBackend} = await import('../lib/backend/local/backend.js')
  return LocalBackend.open({dataDir: resolveDataDir(flags['data-dir']), version, create: o.create})
}

/**
 * Issuing as the admin, wherever the cluster is: an AdminSession over the local Authority, or the
 * server's admin issuance routes with --auth-server. Either is a BotSession, so callers run tbot's
 * output services on it.
 */
export async function openIssuer(flags: AdminFlags, version: string): Promise<import('../lib/issuance/contract.js').BotSession> {
  if (flags['auth-server'] !== undefined) {
    const remote = (await openRemote(flags['auth-server'], flags)) as import('../lib/backend/remote/admin.js').RemoteBackend
    return remote.issuerSession()
  }
  const [{AdminSession}, local] = await Promise.all([import('../lib/authority/admin-session.js'), openLocal(flags, version)])
  return new AdminSession(await local.authority())
}

/** The server named by --auth-server, or the local backend over the data directory (created on first use). */
export async function openAdmin(flags: AdminFlags, version: string): Promise<OpenedAdmin> {
  if (flags['auth-server'] !== undefined) {
    if (flags.config !== undefined) throw new UsageError('use either --config or --auth-server, not both')
    return openRemote(flags['auth-server'], flags)
  }
  return openLocalBackend(flags, version, {create: true})
}

async function openRemote(authServer: string, flags: AdminFlags): Promise<OpenedAdmin> {
  const [{RemoteBackend}, {readIdentityFile}, {serverUrl}, {BadParameterError}] = await Promise.all([
    import('../lib/backend/remote/admin.js'), import('../lib/backend/identity-file.js'), import('../lib/net/server-url.js'), import('../lib/errors.js'),
  ])
  if (flags.identity === undefined) {
    throw new BadParameterError(`--auth-server needs an identity file: pass --identity FILE (or set $${IDENTITY_FILE_ENV}); make one on the cluster's host with "tctl auth sign --user admin --out FILE"`)
  }
  return new RemoteBackend({url: serverUrl(authServer), identity: await readIdentityFile(flags.identity), insecure: flags.insecure ?? false})
}

/** How `tbot start` reaches this cluster, for the hints `bots add` and `tokens add` print. */
export async function startHint(flags: AdminFlags): Promise<string> {
  if (flags.config !== undefined && flags['auth-server'] === undefined) return '--auth-server=<this cluster\'s public address> --ca-pin=<from "tctl status">'
  if (flags['auth-server'] === undefined || flags.identity === undefined) return `--data-dir=${resolveDataDir(flags['data-dir'])}`
  const [{readIdentityFile}, {serverUrl}, {caPin}] = await Promise.all([
    import('../lib/backend/identity-file.js'), import('../lib/net/server-url.js'), import('../lib/net/ca-pin.js'),
  ])
  const identity = await readIdentityFile(flags.identity)
  const pins = identity.caPems.map((pem) => ` --ca-pin=${caPin(pem)}`).join('')
  return `--auth-server=${new URL(serverUrl(flags['auth-server'])).host}${pins}`
}
