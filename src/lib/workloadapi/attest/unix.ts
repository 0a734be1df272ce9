/**
 * Unix workload attestation (Teleport's workloadattest/unix.go): from the peer's SO_PEERCRED pid,
 * uid and gid, plus the executable's path (readlink /proc/<pid>/exe) and SHA-256 (read through
 * /proc/<pid>/exe, which names the running inode even if the file on disk was replaced), capped by
 * `attestors.unix.binary_hash_max_size_bytes` (default 1 GiB, -1 = unlimited; over the cap the hash
 * is left out). Failures are soft, as Teleport's: the caller gets no workload attributes.
 *
 * Results are cached per process (pid + start time, so a reused pid is a new process), and hashes
 * per executable file (device, inode, size, mtime, ctime), so a busy socket does not re-attest and
 * fifty clients of one binary hash it once.
 */
import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {readFile, readlink, stat} from 'node:fs/promises'
import type {UnixAttrs, WorkloadAttrs} from '../../authz/attributes.js'
import {discardLogger, type Logger} from '../../log.js'
import type {PeerCred} from './peercred.js'
import {processChange, readProcessIdentity, type ProcessIdentity} from './process-identity.js'

export const DEFAULT_BINARY_HASH_MAX_SIZE_BYTES = 1 << 30
/** Teleport's BinaryHashReadTimeout: a stalled read (network or overlay filesystems) gives up. */
export const DEFAULT_HASH_TIMEOUT_MS = 15_000

export interface UnixAttestorOptions {
  /** Bytes read at most to hash the executable; -1 = unlimited; default 1 GiB. */
  readonly binaryHashMaxSizeBytes?: number
  /** Where procfs is mounted (Teleport's HOST_PROC); default /proc. */
  readonly procRoot?: string
  readonly hashTimeoutMs?: number
  readonly cacheSize?: number
  readonly log?: Logger
}

class LruCache<V> {
  private readonly map = new Map<string, V>()
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key)
    if (value !== undefined) {
      this.map.delete(key)
      this.map.set(key, value)
    }
    return value
  }
  set(key: string, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string)
  }
  delete(key: string): void {
    this.map.delete(key)
  }
}

/** Field 22 of /proc/<pid>/stat (clock ticks since boot), read after the last `)` of the command name. */
export function parseStartTime(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const value = fields[19]
  return value !== undefined && /^[0-9]+$/.test(value) ? value : undefined
}

export class UnixAttestor {
  private readonly maxBytes: number
  /** Where procfs is mounted; read by the connection-time process pinning too (callers.ts). */
  readonly procRoot: string
  private readonly timeoutMs: number
  private readonly log: Logger
  private readonly processes: LruCache<Promise<WorkloadAttrs | undefined>>
  private readonly hashes: LruCache<Promise<string | undefined>>

  constructor(options: UnixAttestorOptions = {}) {
    const max = options.binaryHashMaxSizeBytes ?? DEFAULT_BINARY_HASH_MAX_SIZE_BYTES
    if (!Number.isInteger(max) || max < -1) {
      throw new TypeError('binary_hash_max_size_bytes must be -1 (unlimited), 0 (default), or greater')
    }
    this.maxBytes = max === 0 ? DEFAULT_BINARY_HASH_MAX_SIZE_BYTES : max
    this.procRoot = options.procRoot ?? '/proc'
    this.timeoutMs = options.hashTimeoutMs ?? DEFAULT_HASH_TIMEOUT_MS
    this.log = options.log ?? discardLogger
    this.processes = new LruCache(options.cacheSize ?? 4096)
    this.hashes = new LruCache(256)
  }

  /**
   * The caller's workload attributes, or undefined when attestation failed (soft failure). With
   * `pinned` (the process as it was when the connection was accepted, process-identity.ts), only
   * that executable is attested: the cache is keyed by it too, so a process that exec'd is a new
   * entry, and a process that exec'd while being read gets nothing.
   */
  async attest(peer: PeerCred, pinned?: ProcessIdentity): Promise<WorkloadAttrs | undefined> {
    // pid 0: the peer is in another PID namespace, so there is no process to look at (Teleport).
    if (peer.pid === 0) return undefined
    const startTime = pinned?.startTime ?? await this.startTime(peer.pid)
    if (startTime === undefined) {
      this.log.warn('Workload attestation failed', {pid: peer.pid, error: 'process not found'})
      return undefined
    }
    const key = `${peer.pid}:${startTime}:${pinned?.executable ?? '-'}:${peer.uid}:${peer.gid}`
    let attrs = this.processes.get(key)
    if (attrs === undefined) {
      attrs = this.attestProcess(peer, startTime, pinned)
      this.processes.set(key, attrs)
      // A process that vanished mid-way is not cached: a later one with the same key cannot exist,
      // but an undefined result would otherwise be served from the cache forever.
      void attrs.then((a) => { if (a === undefined) this.processes.delete(key) })
    }
    return attrs
  }

  private async startTime(pid: number): Promise<string | undefined> {
    try {
      return parseStartTime(await readFile(`${this.procRoot}/${pid}/stat`, 'latin1'))
    } catch {
      return undefined
    }
  }

  private async attestProcess(
    peer: PeerCred, startTime: string, pinned: ProcessIdentity | undefined,
  ): Promise<WorkloadAttrs | undefined> {
    const exe = `${this.procRoot}/${peer.pid}/exe`
    const [binaryPath, binaryHash] = await Promise.all([this.readBinaryPath(exe), this.hashBinary(exe)])
    // The pid may have been reused while we read: only a process with the same start time is ours;
    // and with a pinned executable, only a process still running it (it may have exec'd meanwhile).
    const change = pinned !== undefined
      ? processChange(pinned, readProcessIdentity(peer.pid, this.procRoot))
      : (await this.startTime(peer.pid)) !== startTime ? 'exited' : undefined
    if (change !== undefined) {
      this.log.warn('Workload attestation failed', {pid: peer.pid, error: `process ${change} during attestation`})
      return undefined
    }
    const unix: UnixAttrs = {
      attested: true, pid: peer.pid, uid: peer.uid, gid: peer.gid,
      ...(binaryPath !== undefined ? {binary_path: binaryPath} : {}),
      ...(binaryHash !== undefined ? {binary_hash: binaryHash} : {}),
    }
    this.log.debug('Workload attested', {pid: peer.pid, uid: peer.uid, gid: peer.gid, binary_path: binaryPath})
    return {unix}
  }

  private async readBinaryPath(exe: string): Promise<string | undefined> {
    try {
      return await readlink(exe)
    } catch (err) {
      // ENOENT: another mount namespace (Teleport stays silent); anything else is worth a line.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log.error('Failed to find workload executable', {error: err as Error})
      }
      return undefined
    }
  }

  private async hashBinary(exe: string): Promise<string | undefined> {
    let info
    try {
      info = await stat(exe, {bigint: true})
    } catch (err) {
      this.log.error('Failed to open workload executable for hashing', {error: err as Error})
      return undefined
    }
    if (this.maxBytes !== -1 && info.size > BigInt(this.maxBytes)) {
      this.log.warn('Workload executable is larger than binary_hash_max_size_bytes; not hashed',
        {size: info.size.toString(), limit: this.maxBytes})
      return undefined
    }
    const key = `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`
    let hash = this.hashes.get(key)
    if (hash === undefined) {
      hash = this.hashFile(exe)
      this.hashes.set(key, hash)
      void hash.then((h) => { if (h === undefined) this.hashes.delete(key) })
    }
    return hash
  }

  /** SHA-256 of at most maxBytes; more than that (the file grew) or a stalled read gives no hash. */
  private hashFile(path: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const hash = createHash('sha256')
      const stream = createReadStream(path)
      let read = 0
      let done = false
      const finish = (result: string | undefined, error?: string): void => {
        if (done) return
        done = true
        clearTimeout(timer)
        stream.destroy()
        if (error !== undefined) this.log.error('Failed to hash workload executable', {error})
        resolve(result)
      }
      const timer = setTimeout(() => finish(undefined, 'timeout reading workload executable; consider lowering ' +
        'attestors.unix.binary_hash_max_size_bytes'), this.timeoutMs)
      stream.on('data', (chunk: string | Buffer) => {
        read += chunk.length
        if (this.maxBytes !== -1 && read > this.maxBytes) {
          return finish(undefined, `input is larger than limit (${this.maxBytes})`)
        }
        hash.update(chunk)
      })
      stream.on('error', (err) => finish(undefined, err.message))
      stream.on('end', () => finish(hash.digest('hex')))
    })
  }
}
