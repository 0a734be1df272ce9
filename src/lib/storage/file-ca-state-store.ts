/**
 * The data directory's CaStateStore: the one CA state document in `ca/state.json` (0600, in the
 * private `ca/` directory), replaced atomically (atomic.ts) under the data directory's lock, never
 * read or written through a symbolic link (no-follow.ts). Its revision is the SHA-256 of the bytes:
 * kept in the file itself, so a reader needs one read and nothing can get out of step. Writing the
 * very same bytes again keeps the revision, which is harmless: a compare-and-swap against an
 * identical document swaps identical states.
 *
 * A directory made by an older version holds the CA as separate PEM files (ca/ca-store.ts): on the
 * first read, under the lock, it is converted into the document and the old files are removed.
 */
import {createHash} from 'node:crypto'
import {join} from 'node:path'
import type {CaStateRecord, CaStateStore} from './ca-state-store.js'
import {ensurePrivateDir, writeFileAtomic} from './atomic.js'
import {withLock} from './lock.js'
import {isRealDir, readFileNoFollow} from './no-follow.js'

export const CA_STATE_FILE = 'state.json'

/** An older layout in the same directory, converted once. */
export interface LegacyCaLayout {
  /** The document converted from the older files, or undefined when there are none. */
  convert(): Promise<string | undefined>
  /** Removes the older files once the document is durable. */
  remove(): Promise<void>
}

export function caStateRevision(data: string): string {
  return createHash('sha256').update(data).digest('hex')
}

export class FileCaStateStore implements CaStateStore {
  readonly path: string

  constructor(
    private readonly dir: string,
    private readonly lockPath: string,
    private readonly legacy?: LegacyCaLayout,
  ) {
    this.path = join(dir, CA_STATE_FILE)
  }

  async read(): Promise<CaStateRecord | undefined> {
    const found = await this.readFile()
    if (found !== undefined || this.legacy === undefined) return found
    return withLock(this.lockPath, () => this.migrateLocked())
  }

  write(data: string, expected: string | undefined): Promise<CaStateRecord | undefined> {
    return withLock(this.lockPath, () => this.writeLocked(data, expected))
  }

  /** write() for a caller that already holds the data directory's lock (the cluster's creation). */
  async writeLocked(data: string, expected: string | undefined): Promise<CaStateRecord | undefined> {
    await ensurePrivateDir(this.dir)
    const current = await this.readFile()
    if (current?.revision !== expected) return undefined
    await writeFileAtomic(this.path, data, {mode: 0o600})
    return {data, revision: caStateRevision(data)}
  }

  /** Replace whatever is stored, for a caller holding the lock that knows nothing was issued from it (a killed first use). */
  async replaceLocked(data: string): Promise<CaStateRecord> {
    await ensurePrivateDir(this.dir)
    await writeFileAtomic(this.path, data, {mode: 0o600})
    return {data, revision: caStateRevision(data)}
  }

  private async readFile(): Promise<CaStateRecord | undefined> {
    if (!(await isRealDir(this.dir))) return undefined
    const data = await readFileNoFollow(this.path)
    return data === undefined ? undefined : {data, revision: caStateRevision(data)}
  }

  private async migrateLocked(): Promise<CaStateRecord | undefined> {
    const raced = await this.readFile()
    if (raced !== undefined) return raced
    const data = await this.legacy!.convert()
    if (data === undefined) return undefined
    await writeFileAtomic(this.path, data, {mode: 0o600})
    await this.legacy!.remove()
    return {data, revision: caStateRevision(data)}
  }
}
