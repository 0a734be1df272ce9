/**
 * The file implementation of ResourceStore: `<dir>/<kind>/<name>.json`, one resource per file with its
 * revision in metadata. Files are 0600 and directories 0700 because tokens are secrets. A
 * transaction's writes land all together or not at all (journal.ts); nothing in the store is read or
 * written through a symbolic link (no-follow.ts).
 */
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {CorruptStateError, InputError} from '../errors.js'
import {parseResourceValue} from '../resources/parse.js'
import type {Resource, ResourceKind, ResourceOf} from '../resources/types.js'
import {commitBatch, recoverBatches, type FileChange} from './journal.js'
import {withLock} from './lock.js'
import {mapLimited} from './map-limited.js'
import {isRealDir, jsonErrorDetail, readFileNoFollow} from './no-follow.js'
import type {ResourceStore, StoreTx} from './resource-store.js'
import {stagingTx, type StagedChange} from './staging-tx.js'

const SUFFIX = '.json'

export class FileResourceStore implements ResourceStore {
  constructor(private readonly dir: string, private readonly lockPath: string) {}

  private fileName(name: string): string {
    return encodeURIComponent(name) + SUFFIX
  }

  async get<K extends ResourceKind>(kind: K, name: string): Promise<ResourceOf<K> | undefined> {
    const file = join(this.dir, kind, this.fileName(name))
    const text = await readFileNoFollow(file)
    // The kind directory is checked only when something was read through it: a miss (the common
    // case in a batch's conflict checks) costs one open, as before.
    if (text === undefined || !(await isRealDir(join(this.dir, kind)))) return undefined
    return decodeStored(kind, text, file)
  }

  async list<K extends ResourceKind>(kind: K): Promise<ResourceOf<K>[]> {
    const kindDir = join(this.dir, kind)
    if (!(await isRealDir(kindDir))) return []
    const files = (await fs.readdir(kindDir)).filter((n) => n.endsWith(SUFFIX)).map((n) => join(kindDir, n))
    const out = await mapLimited(files, 64, async (file) => {
      const text = await readFileNoFollow(file)
      return text === undefined ? undefined : decodeStored(kind, text, file) // removed since the readdir
    })
    return out.filter((r) => r !== undefined).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0))
  }

  async transact<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return withLock(this.lockPath, async () => {
      await recoverBatches(this.dir) // a writer killed mid-batch: finish or undo it before reading
      const staged = new Map<string, StagedChange>()
      const result = await fn(stagingTx(this, staged))
      await commitBatch(this.dir, [...staged.values()].map((s) => this.change(s)))
      return result
    })
  }

  private change(s: StagedChange): FileChange {
    const file = this.fileName(s.name)
    return s.resource ? {dir: s.kind, file, data: JSON.stringify(s.resource, null, 2) + '\n'} : {dir: s.kind, file}
  }
}

/** Parse a stored file back through its kind's parser, so a hand-edited file is checked too. */
function decodeStored<K extends ResourceKind>(kind: K, text: string, file: string): ResourceOf<K> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new CorruptStateError(`stored resource ${file} is not valid JSON${jsonErrorDetail(err)}`)
  }
  let resource: Resource
  try {
    resource = parseResourceValue(value, {file})
  } catch (err) {
    const reason = err instanceof InputError ? [err.location.field, err.reason].filter(Boolean).join(': ') : String(err)
    throw new CorruptStateError(`stored resource ${file} is invalid: ${reason}`)
  }
  if (resource.kind !== kind) throw new CorruptStateError(`stored resource ${file} has kind "${resource.kind}", expected "${kind}"`)
  const revision = (value as {metadata?: {revision?: unknown}}).metadata?.revision
  const metadata = typeof revision === 'string' ? {...resource.metadata, revision} : resource.metadata
  return {...resource, metadata} as ResourceOf<K>
}
