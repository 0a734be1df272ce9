/**
 * A snapshot of what issuance decisions read (workload identities, roles, bots), cached so a busy
 * server or socket does not re-read and re-validate files per request. It is refreshed when older
 * than `maxAgeMs` or when this process wrote (invalidate); a change made by another process is
 * seen within `maxAgeMs`.
 */
import type {Bot, Role, WorkloadIdentity} from '../resources/types.js'
import type {ResourceStore} from '../storage/resource-store.js'

export interface PolicySnapshot {
  readonly workloadIdentities: ReadonlyMap<string, WorkloadIdentity>
  readonly roles: ReadonlyMap<string, Role>
  readonly bots: ReadonlyMap<string, Bot>
}

export class PolicyCache {
  private current?: {snapshot: PolicySnapshot; at: number}
  private loading?: Promise<PolicySnapshot>

  constructor(
    private readonly store: ResourceStore,
    private readonly maxAgeMs = 500,
  ) {}

  invalidate(): void {
    this.current = undefined
  }

  /** The cached snapshot if it is still fresh, without a promise (the hot path's common case). */
  fresh(): PolicySnapshot | undefined {
    const current = this.current
    return current && performance.now() - current.at < this.maxAgeMs ? current.snapshot : undefined
  }

  async get(): Promise<PolicySnapshot> {
    const fresh = this.fresh()
    if (fresh) return fresh
    this.loading ??= this.load().finally(() => (this.loading = undefined))
    return this.loading
  }

  private async load(): Promise<PolicySnapshot> {
    const at = performance.now()
    const [wis, roles, bots] = await Promise.all([
      this.store.list('workload_identity'), this.store.list('role'), this.store.list('bot'),
    ])
    const byName = <T extends {metadata: {name: string}}>(items: readonly T[]) => new Map(items.map((i) => [i.metadata.name, i] as const))
    const snapshot = {workloadIdentities: byName(wis), roles: byName(roles), bots: byName(bots)}
    this.current = {snapshot, at}
    return snapshot
  }
}
