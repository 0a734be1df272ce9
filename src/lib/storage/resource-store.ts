/**
 * Resource storage behind one narrow interface (so a database can replace the files later).
 * Reads are lock-free: every file is replaced atomically, so a reader sees a whole old or new file.
 * Writes happen in a transaction under the data directory's lock: checks first, then all writes,
 * so a failed check writes nothing; and the writes land all together or not at all, even when the
 * process is killed or the disk fills up midway (file store: journal.ts).
 */
import type {Resource, ResourceKind, ResourceOf} from '../resources/types.js'

export interface StoreTx {
  get<K extends ResourceKind>(kind: K, name: string): Promise<ResourceOf<K> | undefined>
  list<K extends ResourceKind>(kind: K): Promise<ResourceOf<K>[]>
  /** Stage a write; the stored copy gets a fresh revision. Returns the resource as it will be stored. */
  put<R extends Resource>(resource: R): R
  delete(kind: ResourceKind, name: string): void
}

export interface ResourceStore {
  /** Undefined when absent. A stored file that does not parse throws CorruptStateError. */
  get<K extends ResourceKind>(kind: K, name: string): Promise<ResourceOf<K> | undefined>
  /** Sorted by name. */
  list<K extends ResourceKind>(kind: K): Promise<ResourceOf<K>[]>
  /** Runs `fn` under the write lock, then commits what it staged, all or nothing. Nothing is written if `fn` throws. */
  transact<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>
}
