/**
 * A transaction's view for every ResourceStore: writes are staged in memory (each put gets a fresh
 * revision) and reads see them over the store's committed state, so a store only has to read and,
 * at commit, apply the staged changes all together (file-store.ts, postgres/resource-store.ts).
 */
import {randomUUID} from 'node:crypto'
import type {Resource, ResourceKind, ResourceOf} from '../resources/types.js'
import type {StoreTx} from './resource-store.js'

/** A staged write: a resource to store, or (without one) a deletion. */
export interface StagedChange {
  readonly kind: ResourceKind
  readonly name: string
  readonly resource?: Resource
}

/** What the transaction reads through to: the store's committed state, as the transaction sees it. */
export interface CommittedReader {
  get<K extends ResourceKind>(kind: K, name: string): Promise<ResourceOf<K> | undefined>
  list<K extends ResourceKind>(kind: K): Promise<ResourceOf<K>[]>
}

export function stagingTx(committed: CommittedReader, staged: Map<string, StagedChange>): StoreTx {
  const key = (kind: ResourceKind, name: string) => `${kind}/${name}`
  return {
    get: async (kind, name) => {
      const s = staged.get(key(kind, name))
      return s ? (s.resource as ResourceOf<typeof kind> | undefined) : committed.get(kind, name)
    },
    list: async (kind) => {
      const byName = new Map((await committed.list(kind)).map((r) => [r.metadata.name, r] as const))
      for (const s of staged.values()) {
        if (s.kind !== kind) continue
        if (s.resource) byName.set(s.name, s.resource as ResourceOf<typeof kind>)
        else byName.delete(s.name)
      }
      return [...byName.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
    },
    put: (resource) => {
      const stored = {...resource, metadata: {...resource.metadata, revision: randomUUID()}}
      staged.set(key(resource.kind, resource.metadata.name), {kind: resource.kind, name: resource.metadata.name, resource: stored})
      return stored
    },
    delete: (kind, name) => {
      staged.set(key(kind, name), {kind, name})
    },
  }
}
