/**
 * The change feed: every replica LISTENs on one channel, and every write sends a NOTIFY naming
 * what changed (resource kinds, or "ca"), delivered to all listeners when the write commits. Each
 * replica then drops its caches (the policy snapshot, the CA), so another replica's write is seen
 * within the notification's latency (milliseconds), not the cache's age.
 *
 * Why LISTEN/NOTIFY and not logical decoding with wal2json (Teleport's lib/backend/pgbk/wal2json.go):
 * the caches here only need "this changed, read again", not the rows themselves in order, which is
 * what logical decoding provides at a price: wal_level=logical, the wal2json plugin on the server,
 * the REPLICATION privilege, and a slot per replica whose WAL PostgreSQL keeps while that replica
 * is down. NOTIFY works on any PostgreSQL with plain privileges and keeps nothing for a dead listener.
 * A notification sent while a listener is disconnected is lost, so on every (re)connect the
 * listener reports "everything changed" before trusting the feed again.
 *
 * LISTEN holds a session, so it runs on its own connection (pg.Client), never a pooled one that
 * would go back to the pool and stop listening; `change_feed_conn_string` may point it elsewhere
 * (e.g. straight to the primary, past a transaction-mode pooler that cannot LISTEN).
 */
import pg from 'pg'
import {CHANGE_CHANNEL} from './resource-store.js'

/** `undefined` means "anything may have changed" (after a reconnect). */
export type ChangeListener = (what: ReadonlySet<string> | undefined) => void

const MAX_BACKOFF_MS = 5_000

export class ChangeFeed {
  private client?: pg.Client
  private closed = false
  private backoffMs = 100
  private timer?: NodeJS.Timeout
  private connected = false
  private readonly listeners: ChangeListener[] = []

  constructor(private readonly connString: string) {}

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener)
  }

  get isConnected(): boolean {
    return this.connected
  }

  /** Resolves once listening (or throws the first connection error, for start-up to report). */
  async start(): Promise<void> {
    await this.connect()
  }

  private emit(what: ReadonlySet<string> | undefined): void {
    for (const l of this.listeners) l(what)
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({connectionString: this.connString, connectionTimeoutMillis: 5_000, keepAlive: true})
    client.on('notification', (n) => {
      if (n.channel === CHANGE_CHANNEL) this.emit(new Set((n.payload ?? '').split(',')))
    })
    client.on('error', () => this.lost(client))
    client.on('end', () => this.lost(client))
    try {
      await client.connect()
      await client.query(`LISTEN ${CHANGE_CHANNEL}`)
    } catch (err) {
      client.removeAllListeners('end')
      await client.end().catch(() => undefined)
      throw err
    }
    if (this.closed) {
      await client.end().catch(() => undefined)
      return
    }
    this.client = client
    this.connected = true
    this.backoffMs = 100
    this.emit(undefined) // anything written while we were not listening
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return
    this.client = undefined
    this.connected = false
    client.removeAllListeners('end')
    client.end().catch(() => undefined)
    this.emit(undefined)
    this.reconnectLater()
  }

  private reconnectLater(): void {
    if (this.closed || this.timer) return
    const delay = this.backoffMs / 2 + Math.random() * this.backoffMs
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.connect().catch(() => this.reconnectLater())
    }, delay)
    this.timer.unref()
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    const client = this.client
    this.client = undefined
    this.connected = false
    if (client) {
      client.removeAllListeners('end')
      await client.end().catch(() => undefined)
    }
  }
}
