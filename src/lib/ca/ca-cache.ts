/**
 * The CA material issuance signs with, read through a CaStateStore and cached. The cache checks the
 * stored revision again when older than `maxAgeMs` (decoding only when it changed), so a rotation
 * made by another process or replica is seen within that time; this process's writes call
 * invalidate() and are seen at once. Readers on the hot path use fresh() (no promise).
 */
import {NotFoundError} from '../errors.js'
import type {CaStateStore} from '../storage/ca-state-store.js'
import {caMaterialOf, decodeCaState, type CaState} from './ca-state.js'
import type {CaMaterial} from './ca-material.js'

export const CA_CACHE_MAX_AGE_MS = 1000

export interface LoadedCaState {
  readonly state: CaState
  readonly material: CaMaterial
  readonly revision: string
}

/** The stored state, decoded; NotFoundError when there is none. `storeName` names it in errors. */
export async function loadCaState(store: CaStateStore, storeName: string): Promise<LoadedCaState> {
  const record = await store.read()
  if (record === undefined) throw new NotFoundError(`no CA state in ${storeName}`)
  const state = decodeCaState(record.data, storeName)
  return {state, material: caMaterialOf(state), revision: record.revision}
}

/** The material to sign with now, read once. */
export async function loadCaMaterial(store: CaStateStore, storeName: string): Promise<CaMaterial> {
  return (await loadCaState(store, storeName)).material
}

export class CaCache {
  private current?: LoadedCaState
  private checkedAt = -Infinity
  private loading?: Promise<LoadedCaState>
  private readonly listeners = new Set<(material: CaMaterial) => void>()

  constructor(
    readonly store: CaStateStore,
    readonly storeName: string,
    private readonly maxAgeMs = CA_CACHE_MAX_AGE_MS,
  ) {}

  invalidate(): void {
    this.checkedAt = -Infinity
  }

  /** The cached material if checked within maxAgeMs, without a promise (the hot path's common case). */
  fresh(): CaMaterial | undefined {
    return this.current && performance.now() - this.checkedAt < this.maxAgeMs ? this.current.material : undefined
  }

  /**
   * The last material read, even if due for a check (which this starts in the background). For
   * synchronous readers of the keys that do not rotate in place (the bot CA's TLS identity).
   */
  last(): CaMaterial {
    if (this.current === undefined) throw new TypeError('CaCache.last() before the first load')
    if (this.fresh() === undefined) this.loaded().catch(() => undefined)
    return this.current.material
  }

  async get(): Promise<CaMaterial> {
    return this.fresh() ?? (await this.loaded()).material
  }

  /** The whole state and its revision, checked against the store within maxAgeMs. */
  async state(): Promise<LoadedCaState> {
    if (this.fresh() !== undefined) return this.current!
    return this.loaded()
  }

  /** Called with the new material whenever a check finds another revision (not for the first load). */
  onChange(listener: (material: CaMaterial) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private loaded(): Promise<LoadedCaState> {
    this.loading ??= this.check().finally(() => (this.loading = undefined))
    return this.loading
  }

  private async check(): Promise<LoadedCaState> {
    const at = performance.now()
    const record = await this.store.read()
    if (record === undefined) throw new NotFoundError(`no CA state in ${this.storeName}`)
    const previous = this.current
    if (previous?.revision !== record.revision) {
      const state = decodeCaState(record.data, this.storeName)
      this.current = {state, material: caMaterialOf(state), revision: record.revision}
    }
    this.checkedAt = at
    const current = this.current!
    if (previous !== undefined && previous !== current) for (const l of this.listeners) l(current.material)
    return current
  }
}
