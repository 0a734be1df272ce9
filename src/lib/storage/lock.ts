/**
 * A lock between processes sharing one data directory. Node has no flock(2), so the lock is a file
 * naming its holder (pid, boot id, the holder's start time, a nonce), made visible whole by link(2),
 * which fails if the name exists. A lock whose holder is gone is broken by the next process: its pid
 * is dead, or the machine has rebooted since (another boot id), or the pid now names another process
 * (another start time: pid reuse, pid 1 in a restarted container). The breaker re-reads the file just
 * before unlinking, so it never breaks a lock that changed hands meanwhile.
 */
import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {SvidkitError} from '../errors.js'
import {linkRefused, READ_NO_FOLLOW} from './no-follow.js'
import {bootId, isAlive, processStartTime} from './process-identity.js'

export interface LockOptions {
  /** Give up after this long (default 30 s): a live holder that long is a stuck process. */
  readonly timeoutMs?: number
}

export type ReleaseLock = () => Promise<void>

interface Holder {
  readonly pid: number
  readonly bootId?: string
  readonly startTime?: string
  /** The whole file, to recognise it when re-read. */
  readonly content: string
}

export async function withLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await acquireLock(lockPath, options)
  try {
    return await fn()
  } finally {
    await release()
  }
}

export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<ReleaseLock> {
  const content = await lockContent()
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  for (let attempt = 0; ; attempt++) {
    const outcome = await attemptLock(lockPath, content)
    if (outcome.acquired) return () => releaseLock(lockPath, content)
    if (Date.now() > deadline) throw lockTimeout(lockPath, outcome.holder)
    // Short, jittered waits: critical sections are a few milliseconds long.
    await new Promise((r) => setTimeout(r, Math.min(2 + attempt, 25) * (0.5 + Math.random())))
  }
}

/** The lock if it is free (or stale) now, else undefined: for work that can wait for a later opener. */
export async function tryAcquireLock(lockPath: string): Promise<ReleaseLock | undefined> {
  const content = await lockContent()
  const outcome = await attemptLock(lockPath, content)
  return outcome.acquired ? () => releaseLock(lockPath, content) : undefined
}

function lockTimeout(lockPath: string, holder: Holder | undefined): SvidkitError {
  return new SvidkitError('INTERNAL',
    `timed out waiting for the lock ${lockPath} held by process ${holder?.pid ?? 'unknown'}; ` +
    `if no tctl, tbot or teleport process is using this data directory, remove ${lockPath} and try again`)
}

async function lockContent(): Promise<string> {
  const [boot, start] = await Promise.all([bootId(), ownStartTime()])
  return `${process.pid} ${boot ?? '-'} ${start ?? '-'} ${randomBytes(8).toString('hex')}\n`
}

let ownStart: Promise<string | undefined> | undefined
function ownStartTime(): Promise<string | undefined> {
  ownStart ??= processStartTime(process.pid)
  return ownStart
}

type Attempt = {acquired: true} | {acquired: false; holder?: Holder}

async function attemptLock(lockPath: string, content: string): Promise<Attempt> {
  let holder: Holder | undefined
  for (let tries = 0; tries < 3; tries++) {
    if (await tryCreate(lockPath, content)) return {acquired: true}
    holder = await readHolder(lockPath)
    if (holder === undefined) continue // released in between: try again at once
    if (!(await isStale(holder))) return {acquired: false, holder}
    await breakStaleLock(lockPath, holder.content)
  }
  return {acquired: false, holder}
}

/** Write the content aside, then link it into place: a reader never sees an empty lock file. */
async function tryCreate(lockPath: string, content: string): Promise<boolean> {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`
  await fs.writeFile(tmp, content, {mode: 0o600, flag: 'wx'})
  try {
    await fs.link(tmp, lockPath)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  } finally {
    await fs.rm(tmp, {force: true})
  }
}

async function releaseLock(lockPath: string, content: string): Promise<void> {
  const holder = await readHolder(lockPath)
  if (holder?.content === content) await fs.rm(lockPath, {force: true})
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  let content: string
  try {
    content = await fs.readFile(lockPath, {encoding: 'utf8', flag: READ_NO_FOLLOW})
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'ELOOP') throw linkRefused(lockPath)
    throw err
  }
  const fields = content.trim().split(/\s+/)
  const pid = /^\d+$/.test(fields[0] ?? '') ? Number(fields[0]) : 0
  // An earlier version wrote "pid nonce": such a holder is judged by its pid alone.
  if (fields.length < 4) return {pid, content}
  const known = (s: string | undefined) => (s === undefined || s === '-' ? undefined : s)
  return {pid, bootId: known(fields[1]), startTime: known(fields[2]), content}
}

async function isStale(holder: Holder): Promise<boolean> {
  if (holder.pid <= 0) return true
  const boot = await bootId()
  if (holder.bootId !== undefined && boot !== undefined && holder.bootId !== boot) return true
  if (!isAlive(holder.pid)) return true
  if (holder.startTime === undefined) return false
  const start = await processStartTime(holder.pid)
  return start !== undefined && start !== holder.startTime
}

async function breakStaleLock(lockPath: string, staleContent: string): Promise<void> {
  const again = await readHolder(lockPath)
  if (again?.content === staleContent) await fs.rm(lockPath, {force: true})
}

/** Abandoned lock temp files among `names` (entries of the lock's directory): tryCreate's, when killed. */
export async function removeAbandonedLockTemps(lockPath: string, names: readonly string[]): Promise<void> {
  const prefix = basename(lockPath) + '.'
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{8}$/.exec(name.slice(prefix.length)) : null
    if (match === null) continue
    const path = join(dirname(lockPath), name)
    const stat = await fs.lstat(path).catch(() => undefined)
    // A live process's temp file exists for microseconds; a minute-old one is abandoned whatever its pid.
    if (stat !== undefined && (!isAlive(Number(match[1])) || Date.now() - stat.mtimeMs > 60_000)) await fs.rm(path, {force: true})
  }
}
