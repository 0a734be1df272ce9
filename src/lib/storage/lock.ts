/**
 * A lock between processes sharing one data directory. Node has no flock(2), so the lock is a file
 * holding the owner's pid and a nonce, made visible whole by link(2), which fails if it exists.
 * A lock whose owner is gone (SIGKILL) is broken by the next process; it re-reads the file just
 * before unlinking so it never breaks a lock that changed hands meanwhile.
 */
import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import {SvidkitError} from '../errors.js'

export interface LockOptions {
  /** Give up after this long (default 30 s): a live holder that long is a stuck process. */
  readonly timeoutMs?: number
}

export async function withLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await acquireLock(lockPath, options)
  try {
    return await fn()
  } finally {
    await release()
  }
}

export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const content = `${process.pid} ${randomBytes(8).toString('hex')}\n`
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(lockPath, content)) return () => releaseLock(lockPath, content)
    const holder = await readHolder(lockPath)
    if (holder !== undefined && !isAlive(holder.pid)) {
      await breakStaleLock(lockPath, holder.content)
      continue
    }
    if (Date.now() > deadline) {
      throw new SvidkitError('INTERNAL', `timed out waiting for the lock ${lockPath} held by process ${holder?.pid ?? 'unknown'}`)
    }
    // Short, jittered waits: critical sections are a few milliseconds long.
    await new Promise((r) => setTimeout(r, Math.min(2 + attempt, 25) * (0.5 + Math.random())))
  }
}

/** Write the content aside, then link it into place: a reader never sees an empty lock file. */
async function tryCreate(lockPath: string, content: string): Promise<boolean> {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`
  await fs.writeFile(tmp, content, {mode: 0o600})
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

async function readHolder(lockPath: string): Promise<{pid: number; content: string} | undefined> {
  let content: string
  try {
    content = await fs.readFile(lockPath, 'utf8')
  } catch {
    return undefined
  }
  const pid = Number.parseInt(content, 10)
  return {pid: Number.isFinite(pid) ? pid : 0, content}
}

async function breakStaleLock(lockPath: string, staleContent: string): Promise<void> {
  const again = await readHolder(lockPath)
  if (again?.content === staleContent) await fs.rm(lockPath, {force: true})
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
