/**
 * The Workload API source's memory of issued SVIDs (issue 5: "SVIDs cached per identity, so a busy
 * socket does not re-sign"). One entry per key (the caller's attested attributes, plus the audiences
 * for JWT-SVIDs) holding the issuance in flight or its result:
 *
 * - concurrent first calls for one key share one issuance; a failed issuance is forgotten at once;
 * - an entry goes stale at half the shortest granted TTL among its credentials (SPIRE's rule), so
 *   a credential capped below renewal_interval by its workload identity is still replaced before it
 *   expires; `clear()` (rotation, trust bundle change) drops everything;
 * - at most `capacity` entries and `maxBytes` of keys and values, least recently used first out:
 *   keys are per process and JWT audiences are the caller's choice, so an unbounded map would grow
 *   with every client. An entry larger than `maxBytes` alone is served to its callers, not kept.
 */

export interface Issued<V> {
  readonly value: V
  /** The shortest TTL granted among the credentials in `value` (undefined: none, never stale). */
  readonly ttlMs: number | undefined
}

export interface SvidCacheLimits<V> {
  /** Entries at most. */
  readonly capacity: number
  /** Bytes at most, counting each key's length and `sizeOf` of each value once issued. */
  readonly maxBytes?: number
  readonly sizeOf?: (value: V) => number
}

interface Entry<V> {
  readonly value: Promise<V>
  /** Epoch ms after which the entry is not served; Infinity while the issuance is in flight. */
  staleAt: number
  /** What the entry counts against maxBytes (its key until the value is known, then both). */
  bytes: number
}

export class SvidCache<V> {
  private readonly entries = new Map<string, Entry<V>>()
  private readonly capacity: number
  private readonly maxBytes: number
  private readonly sizeOf: (value: V) => number
  private totalBytes = 0

  constructor(limits: number | SvidCacheLimits<V>, private readonly now: () => number) {
    const {capacity, maxBytes = Infinity, sizeOf = () => 0} = typeof limits === 'number' ? {capacity: limits} : limits
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('SvidCache capacity must be a positive integer')
    if (!(maxBytes > 0)) throw new TypeError('SvidCache maxBytes must be positive')
    this.capacity = capacity
    this.maxBytes = maxBytes
    this.sizeOf = sizeOf
  }

  get size(): number {
    return this.entries.size
  }

  /** Bytes held now (keys, and values issued). */
  get bytes(): number {
    return this.totalBytes
  }

  /** The fresh value for `key`, or the result of `issue()` (stored for the next callers). */
  get(key: string, issue: () => Promise<Issued<V>>): Promise<V> {
    const found = this.entries.get(key)
    if (found !== undefined && found.staleAt > this.now()) {
      this.entries.delete(key)
      this.entries.set(key, found)
      return found.value
    }
    this.drop(key)
    const issued = issue()
    const entry: Entry<V> = {value: issued.then((i) => i.value), staleAt: Infinity, bytes: key.length}
    this.entries.set(key, entry)
    this.totalBytes += entry.bytes
    this.evict()
    issued.then((i) => {
      if (this.entries.get(key) !== entry) return
      entry.staleAt = i.ttlMs === undefined ? Infinity : this.now() + i.ttlMs / 2
      const valueBytes = this.sizeOf(i.value)
      entry.bytes += valueBytes
      this.totalBytes += valueBytes
      this.evict()
    }, () => {
      if (this.entries.get(key) === entry) this.drop(key)
    })
    return entry.value
  }

  /** The earliest time a fresh entry goes stale, or undefined when none will; stale entries are dropped. */
  nextStaleAt(): number | undefined {
    const now = this.now()
    let next = Infinity
    for (const [key, entry] of this.entries) {
      if (entry.staleAt <= now) this.drop(key)
      else next = Math.min(next, entry.staleAt)
    }
    return next === Infinity ? undefined : next
  }

  clear(): void {
    this.entries.clear()
    this.totalBytes = 0
  }

  /** Least recently used first, until both bounds hold. */
  private evict(): void {
    while (this.entries.size > this.capacity || (this.totalBytes > this.maxBytes && this.entries.size > 0)) {
      this.drop(this.entries.keys().next().value as string)
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key)
    if (entry === undefined) return
    this.entries.delete(key)
    this.totalBytes -= entry.bytes
  }
}
