/**
 * The Workload API server's open connections: who each belongs to (the caller key the limits use,
 * and the attestation in progress), how many calls each has in progress, and two bounds a 0777
 * socket needs (limits.ts): at most `maxPerCaller` open connections per caller, and a connection
 * with no call in progress for `destroyIdleAfterMs` is destroyed. grpc-js sends GOAWAY to an idle
 * connection earlier (`grpc.max_connection_idle_ms`), which a well-behaved client answers by
 * closing; this catches the peer that never reads or sends a byte, whose socket grpc-js's graceful
 * close would otherwise leave half-open for ever.
 */
import type {Socket} from 'node:net'
import type {WorkloadCaller} from './source.js'

export interface Connection {
  /** What grpc-js reports as the call's peer (see server.ts), unique per connection. */
  readonly id: string
  /** `uid N`, the peer's IP over TCP, or `unknown`: the key of the per-caller limits. */
  readonly callerKey: string
  readonly caller: Promise<WorkloadCaller>
  /** Throws when the connection's process changed since it connected (callers.ts). */
  readonly verify: () => void
}

interface Tracked extends Connection {
  readonly socket: Socket
  active: number
  idleTimer: NodeJS.Timeout | undefined
}

export interface ConnectionLimits {
  readonly maxPerCaller: number
  readonly destroyIdleAfterMs: number
}

const CONNECTION_PREFIX = 'workload-api-connection-'

export class ConnectionRegistry {
  private readonly byId = new Map<string, Tracked>()
  private readonly perCaller = new Map<string, number>()
  private seq = 0
  private onEmpty: (() => void) | undefined

  constructor(private readonly limits: ConnectionLimits) {}

  get size(): number {
    return this.byId.size
  }

  /** Registers the socket; undefined (and the socket destroyed) when its caller is at the cap. */
  add(
    socket: Socket, callerKey: string, attest: () => Promise<WorkloadCaller>, verify: () => void = () => {},
  ): Connection | undefined {
    const open = this.perCaller.get(callerKey) ?? 0
    if (open >= this.limits.maxPerCaller) {
      socket.destroy()
      return undefined
    }
    this.perCaller.set(callerKey, open + 1)
    const connection: Tracked = {
      id: CONNECTION_PREFIX + String(++this.seq), callerKey, caller: attest(), verify,
      socket, active: 0, idleTimer: undefined,
    }
    this.byId.set(connection.id, connection)
    socket.once('close', () => this.remove(connection))
    this.armIdleTimer(connection)
    return connection
  }

  get(id: string): Connection | undefined {
    return this.byId.get(id)
  }

  /** A call started on the connection; the function returned ends it (once). */
  callStarted(id: string): () => void {
    const connection = this.byId.get(id)
    if (connection === undefined) return () => {}
    connection.active++
    clearTimeout(connection.idleTimer)
    connection.idleTimer = undefined
    let ended = false
    return () => {
      if (ended) return
      ended = true
      if (--connection.active === 0 && this.byId.has(id)) this.armIdleTimer(connection)
    }
  }

  destroyAll(): void {
    for (const {socket} of this.byId.values()) socket.destroy()
  }

  /** Resolves when every connection has closed, or after timeoutMs. */
  whenEmpty(timeoutMs: number): Promise<void> {
    if (this.byId.size === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      this.onEmpty = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }

  private armIdleTimer(connection: Tracked): void {
    connection.idleTimer = setTimeout(() => {
      if (connection.active === 0) connection.socket.destroy()
    }, this.limits.destroyIdleAfterMs)
    connection.idleTimer.unref()
  }

  private remove(connection: Tracked): void {
    clearTimeout(connection.idleTimer)
    this.byId.delete(connection.id)
    const open = (this.perCaller.get(connection.callerKey) ?? 1) - 1
    if (open === 0) this.perCaller.delete(connection.callerKey)
    else this.perCaller.set(connection.callerKey, open)
    if (this.byId.size === 0) this.onEmpty?.()
  }
}
