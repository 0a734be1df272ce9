/**
 * The two backends under one face, for the contract suite: the local data directory in-process, and
 * the real server process (`bin/teleport.js start`) reached through RemoteBackend and tbot's remote
 * ConnectBot. Every contract case runs against both.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {AdminSession} from '../../src/lib/authority/admin-session.js'
import type {AdminApi} from '../../src/lib/backend/admin-api.js'
import {LocalBackend} from '../../src/lib/backend/local/backend.js'
import {RemoteBackend} from '../../src/lib/backend/remote/admin.js'
import {readIdentityFile} from '../../src/lib/backend/identity-file.js'
import {discardLogger} from '../../src/lib/log.js'
import {configFromDocument} from '../../src/lib/tbot/config/load.js'
import type {BotSession} from '../../src/lib/issuance/contract.js'
import {connectTbot, type ConnectTbot} from '../../src/lib/tbot/connect.js'
import {startTestServer} from '../helpers/server.js'
import {startTestPostgres} from '../helpers/postgres.js'
import {dataDirPaths} from '../../src/lib/backend/local/data-dir.js'
import {FileResourceStore} from '../../src/lib/storage/file-store.js'
import type {ResourceStore} from '../../src/lib/storage/resource-store.js'

export const CLUSTER = 'example.teleport.sh'
export const VERSION = '0.1.0'

export interface BackendUnderTest {
  readonly name: 'local' | 'remote' | 'postgres'
  readonly admin: AdminApi
  /** The JWT-SVID `iss`. */
  readonly issuer: string
  /** The data directory behind it (the server's, for the remote one): to check what was written. */
  readonly dataDir: string
  /** What is stored, read straight from the store (not through the backend under test). */
  rawStore(): Promise<ResourceStore>
  /**
   * tbot joining (with a token, or with `onboarding` naming another join method) or resuming from
   * `storageDir`, as `tbot start` would.
   */
  connectBot(storageDir: string, token?: string, onboarding?: Record<string, unknown>): Promise<BotSession>
  /** The admin issuing SVIDs (`tctl workload-identity issue-*`). */
  adminSession(): Promise<BotSession>
  close(): Promise<void>
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'svidkit-contract-'))
}

async function connectWith(
  connect: ConnectTbot, server: Record<string, unknown>, pins: readonly string[], storageDir: string, token: string | undefined,
  onboarding: Record<string, unknown> = {},
): Promise<BotSession> {
  const config = await configFromDocument({
    version: 'v2', ...server, storage: {type: 'directory', path: storageDir},
    onboarding: {join_method: 'token', ...(token !== undefined ? {token} : {}), ...(pins.length > 0 ? {ca_pins: [...pins]} : {}), ...onboarding},
  })
  return connect(config, {log: discardLogger, signal: new AbortController().signal})
}

export async function localBackend(): Promise<BackendUnderTest> {
  const dir = scratch()
  const dataDir = join(dir, 'data')
  const backend = await LocalBackend.open({dataDir, clusterName: CLUSTER, version: VERSION})
  // The bot's backend instance re-reads policy per request, so the admin's writes are seen at once.
  const connect = connectTbot(dataDir, {policyMaxAgeMs: 0})
  return {
    name: 'local', admin: backend, dataDir, rawStore: fileStoreOf(dataDir), issuer: `https://${CLUSTER}/workload-identity`,
    connectBot: (storageDir, token, onboarding) => connectWith(connect, {}, [], storageDir, token, onboarding),
    adminSession: async () => new AdminSession(await backend.authority()),
    close: async () => rmSync(dir, {recursive: true, force: true}),
  }
}

export async function remoteBackend(): Promise<BackendUnderTest> {
  const server = await startTestServer(CLUSTER)
  const remote = new RemoteBackend({url: server.url, identity: await readIdentityFile(server.identityFile)})
  const connect = connectTbot(server.dataDir)
  return {
    name: 'remote', admin: remote, dataDir: server.dataDir, rawStore: fileStoreOf(server.dataDir), issuer: `${server.url}/workload-identity`,
    connectBot: (storageDir, token, onboarding) => connectWith(connect, {auth_server: server.addr}, [server.caPin], storageDir, token, onboarding),
    adminSession: () => remote.issuerSession(),
    close: async () => {
      await remote.close()
      await server.stop()
    },
  }
}

/** The server on PostgreSQL storage (storage/postgres/), over its own throwaway database. */
export async function postgresBackend(): Promise<BackendUnderTest> {
  const pg = await startTestPostgres()
  const url = await pg.createDatabase('svidkit_contract')
  const server = await startTestServer(CLUSTER, {storage: `type: postgresql\nconn_string: ${url}`})
  const remote = new RemoteBackend({url: server.url, identity: await readIdentityFile(server.identityFile)})
  const connect = connectTbot(server.dataDir)
  const [{openPool}, {PostgresResourceStore}] = await Promise.all([
    import('../../src/lib/storage/postgres/connect.js'), import('../../src/lib/storage/postgres/resource-store.js'),
  ])
  const pool = openPool(url, 2)
  return {
    name: 'postgres', admin: remote, dataDir: server.dataDir, issuer: `${server.url}/workload-identity`,
    rawStore: async () => new PostgresResourceStore(pool),
    connectBot: (storageDir, token, onboarding) => connectWith(connect, {auth_server: server.addr}, [server.caPin], storageDir, token, onboarding),
    adminSession: () => remote.issuerSession(),
    close: async () => {
      await remote.close()
      await server.stop()
      await pool.end()
      await pg.close()
    },
  }
}

/** The data directory's resource store, for the backends that keep state there. */
function fileStoreOf(dataDir: string): () => Promise<ResourceStore> {
  return async () => {
    const paths = dataDirPaths(dataDir)
    return new FileResourceStore(paths.resources, paths.lock)
  }
}

export const BACKENDS = [localBackend, remoteBackend, postgresBackend] as const

export {scratch}
