/**
 * The Workload API source's memory of issued SVIDs (issue 5: "SVIDs cached per identity, so a busy
 * socket does not re-sign"). One entry per key (the caller's attested attributes, plus the audiences
 * for JWT-SVIDs) holding the issuance in flight or its result:
 *
 * - concurrent first calls for one key share one issuance; a failed issuance is forgotten at once;
 * - an entry goes stale at half the shortest granted TTL among its credentials (SPIRE's rule), so
 *   a credential capped below renewal_interval by its workload identity is still replaced before it
 *   expires; `clear()` (rotation, trust bundle change) drops everything;
 * - at most `capacity` entries, least recently used first out: keys are per process and JWT
 *   audiences are the caller's choice, so an unbounded map would grow with every client.
 */

export interface Issued<V> {
  readonly value: V
  /** The shortest TTL granted among the credentials in `value` (undefined: none, never stale). */
  readonly ttlMs: number | undefined
}

interface Entry<V> {
  readonly value: Promise<V>
  /** Epoch ms after which the entry is not served; Infinity while the issuance is in flight. */
  staleAt: number
}

export class SvidCache<V> {
  private readonly entries = new Map<string, Entry<V>>()

  constructor(private readonly capacity: number, private readonly now: () => number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('SvidCache capacity must be a positive integer')
  }

  get size(): number {
    return this.entries.size
  }

  /** The fresh value for `key`, or the result of `issue()` (stored for the next callers). */
  get(key: string, issue: () => Promise<Issued<V>>): Promise<V> {
    const found = this.entries.get(key)
    if (found !== undefined && found.staleAt > this.now()) {
      this.entries.delete(key)
      this.entries.set(key, found)
      return found.value
    }
    const issued = issue()
    const entry: Entry<V> = {value: issued.then((i) => i.value), staleAt: Infinity}
    this.entries.delete(key)
    this.entries.set(key, entry)
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string)
    issued.then((i) => {
      entry.staleAt = i.ttlMs === undefined ? Infinity : this.now() + i.ttlMs / 2
    }, () => {
      if (this.entries.get(key) === entry) this.entries.delete(key)
    })
    return entry.value
  }

  /** The earliest time a fresh entry goes stale, or undefined when none will; stale entries are dropped. */
  nextStaleAt(): number | undefined {
    const now = this.now()
    let next = Infinity
    for (const [key, entry] of this.entries) {
      if (entry.staleAt <= now) this.entries.delete(key)
      else next = Math.min(next, entry.staleAt)
    }
    return next === Infinity ? undefined : next
  }

  clear(): void {
    this.entries.clear()
  }
}
