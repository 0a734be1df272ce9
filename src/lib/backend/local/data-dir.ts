/**
 * The local backend's data directory: where it is, and what is in it.
 *   cluster.json      cluster name (= SPIFFE trust domain), creation time, layout version
 *   resources/<kind>/ one JSON file per resource (storage/file-store.ts)
 *   resources/.tx/    a batch of writes in flight (storage/journal.ts)
 *   ca/               CA keys and certificates (0600)
 *   audit.log         one JSON line per issuance
 *   .lock             the write lock shared by every process using the directory
 * None of these may be a symbolic link (storage/no-follow.ts); the directory itself may be.
 */
import {promises as fs} from 'node:fs'
import {homedir, hostname} from 'node:os'
import {join} from 'node:path'
import {BadParameterError, CorruptStateError, NotFoundError} from '../../errors.js'
import {TrustDomain} from '../../spiffe/id.js'
import {ensurePrivateDir, isAtomicTempName, writeFileAtomic} from '../../storage/atomic.js'
import {pendingEntries, recoverBatches} from '../../storage/journal.js'
import {removeAbandonedLockTemps, tryAcquireLock, withLock} from '../../storage/lock.js'
import {jsonErrorDetail, linkRefused, readFileNoFollow} from '../../storage/no-follow.js'

export const DATA_DIR_ENV = 'SVIDKIT_DATA_DIR'
const LAYOUT_VERSION = 1

export interface DataDirPaths {
  readonly root: string
  readonly clusterFile: string
  readonly resources: string
  readonly ca: string
  readonly auditLog: string
  readonly lock: string
}

export interface ClusterInfo {
  readonly clusterName: string
  readonly createdAt: string
  /** Where the cluster is reached publicly; the JWT-SVID issuer is derived from it (default: the cluster name). */
  readonly publicAddr?: string
}

/** `--data-dir`, else $SVIDKIT_DATA_DIR, else $XDG_DATA_HOME/svidkit, else ~/.local/share/svidkit. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return flag
  if (env[DATA_DIR_ENV]) return env[DATA_DIR_ENV]
  const xdg = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local/share')
  return join(xdg, 'svidkit')
}

export function dataDirPaths(root: string): DataDirPaths {
  return {
    root,
    clusterFile: join(root, 'cluster.json'),
    resources: join(root, 'resources'),
    ca: join(root, 'ca'),
    auditLog: join(root, 'audit.log'),
    lock: join(root, '.lock'),
  }
}

/** The default cluster name on first use: this host's name when it is a valid trust domain. */
export function defaultClusterName(): string {
  const name = hostname().toLowerCase()
  try {
    return TrustDomain.parse(name).name
  } catch {
    return 'localhost'
  }
}

export async function readClusterInfo(paths: DataDirPaths): Promise<ClusterInfo | undefined> {
  const text = await readFileNoFollow(paths.clusterFile)
  if (text === undefined) return undefined
  let value: {cluster_name?: unknown; created_at?: unknown; public_addr?: unknown}
  try {
    value = JSON.parse(text) as typeof value
  } catch (err) {
    throw new CorruptStateError(`${paths.clusterFile} is not valid JSON${jsonErrorDetail(err)}`)
  }
  try {
    if (typeof value.cluster_name !== 'string') throw new Error('cluster_name is missing')
    const publicAddr = typeof value.public_addr === 'string' && value.public_addr !== '' ? {publicAddr: value.public_addr} : {}
    return {clusterName: TrustDomain.parse(value.cluster_name).name, createdAt: String(value.created_at ?? ''), ...publicAddr}
  } catch (err) {
    throw new CorruptStateError(`${paths.clusterFile} is invalid: ${(err as Error).message}`)
  }
}

export interface InitOptions {
  readonly clusterName?: string
  readonly publicAddr?: string
  /** Create the directory when missing (first use). */
  readonly create: boolean
  /** Creates the CA material inside the lock, once. */
  readonly initCa: (paths: DataDirPaths, clusterName: string) => Promise<void>
  readonly now?: () => Date
}

/**
 * Open a data directory, creating it on first use. Concurrent first uses are safe: the cluster file
 * is written once, under the lock, after the CA.
 */
export async function openDataDir(root: string, options: InitOptions): Promise<{paths: DataDirPaths; info: ClusterInfo; created: boolean}> {
  const paths = dataDirPaths(root)
  const existing = await readClusterInfo(paths)
  if (existing) {
    checkRequestedName(existing, options.clusterName)
    await sweepDataDir(paths)
    return {paths, info: existing, created: false}
  }
  if (!options.create) throw new NotFoundError(`data directory ${root} is not initialized; run "tctl init --cluster-name NAME"`)
  const clusterName = TrustDomain.parse(options.clusterName ?? defaultClusterName()).name
  await ensurePrivateDir(root, {allowLink: true})
  await sweepDataDir(paths)
  return withLock(paths.lock, async () => {
    const raced = await readClusterInfo(paths)
    if (raced) {
      checkRequestedName(raced, options.clusterName)
      return {paths, info: raced, created: false}
    }
    await ensurePrivateDir(paths.resources)
    await options.initCa(paths, clusterName)
    const info: ClusterInfo = {
      clusterName, createdAt: (options.now ?? (() => new Date()))().toISOString(), ...(options.publicAddr ? {publicAddr: options.publicAddr} : {}),
    }
    const body = {cluster_name: info.clusterName, public_addr: info.publicAddr, created_at: info.createdAt, layout_version: LAYOUT_VERSION}
    await writeFileAtomic(paths.clusterFile, JSON.stringify(body, null, 2) + '\n', {mode: 0o600})
    return {paths, info, created: true}
  })
}

/** Change where the cluster is reached publicly (and so the JWT-SVID issuer), under the lock. */
export async function setPublicAddr(paths: DataDirPaths, publicAddr: string): Promise<void> {
  await withLock(paths.lock, async () => {
    const text = await readFileNoFollow(paths.clusterFile)
    if (text === undefined) throw new NotFoundError(`${paths.clusterFile} is missing`)
    const body = {...(JSON.parse(text) as Record<string, unknown>), public_addr: publicAddr}
    await writeFileAtomic(paths.clusterFile, JSON.stringify(body, null, 2) + '\n', {mode: 0o600})
  })
}

function checkRequestedName(info: ClusterInfo, requested: string | undefined): void {
  if (requested !== undefined && requested !== info.clusterName) {
    throw new BadParameterError(`the data directory already belongs to cluster "${info.clusterName}", not "${requested}"`)
  }
}

/** The data directory's own entries: a link under any of these names is refused. */
const OWN_NAMES = new Set(['cluster.json', 'resources', 'ca', 'audit.log', '.lock'])

/**
 * Refuse links planted among the directory's own entries, and clean up after a process killed while
 * writing: a batch it left half done (completed or undone: storage/journal.ts) and its temp files.
 * Cheap when there is nothing to do (two readdirs). Leftovers are handled under the lock, and only
 * if it is free now: while a live process holds it, what is there may be its work in progress, and
 * that process (or the next writer) finishes it.
 */
async function sweepDataDir(paths: DataDirPaths): Promise<void> {
  const entries = await fs.readdir(paths.root, {withFileTypes: true})
  for (const e of entries) if (e.isSymbolicLink() && OWN_NAMES.has(e.name)) throw linkRefused(join(paths.root, e.name))
  const names = entries.map((e) => e.name)
  await removeAbandonedLockTemps(paths.lock, names)
  const temps = names.filter(isAtomicTempName)
  if (temps.length === 0 && (await pendingEntries(paths.resources)).length === 0) return
  const release = await tryAcquireLock(paths.lock)
  if (release === undefined) return
  try {
    await recoverBatches(paths.resources)
    // Written only under the lock (cluster.json's temp files), so whoever holds it finds only leftovers.
    for (const name of temps) await fs.rm(join(paths.root, name), {force: true})
  } finally {
    await release()
  }
}
