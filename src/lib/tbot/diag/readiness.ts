/**
 * tbot's service health for /readyz and /wait (Teleport's lib/tbot/readyz/readyz.go and status.go):
 * each service is `initializing` until it reports, then `healthy` or `unhealthy` with a reason; the
 * bot overall is healthy only when every service is. The JSON is Teleport's: `{"status": ...,
 * "services": {name: {"status", "reason"?, "updated_at"}}}`, 200 when healthy and 503 otherwise.
 */

export type ServiceHealth = 'initializing' | 'healthy' | 'unhealthy'

export interface ServiceStatus {
  readonly status: ServiceHealth
  readonly reason?: string
  /** When the status last changed; null until the first report (Go's nil *time.Time). */
  readonly updated_at: string | null
}

export interface OverallStatus {
  readonly status: ServiceHealth
  readonly services: Readonly<Record<string, ServiceStatus>>
}

/** Teleport's readyz.Status.HTTPStatusCode. */
export function httpStatusOf(status: ServiceHealth): number {
  return status === 'healthy' ? 200 : 503
}

export class ReadinessRegistry {
  private services = new Map<string, ServiceStatus>()
  private waiters: Array<() => void> = []

  /** Forget every service (a configuration reload registers them again). */
  reset(): void {
    this.services = new Map()
  }

  /** A service appears, `initializing` unless it is healthy from the start. */
  register(name: string, healthy = false): void {
    if (this.services.has(name) && !healthy) return
    this.services.set(name, healthy ? reported('healthy') : {status: 'initializing', updated_at: null})
    this.notify()
  }

  report(name: string, status: 'healthy' | 'unhealthy', reason?: string): void {
    const current = this.services.get(name)
    if (current?.status === status && current.reason === reason) return
    this.services.set(name, reported(status, reason))
    this.notify()
  }

  service(name: string): ServiceStatus | undefined {
    return this.services.get(name)
  }

  overall(): OverallStatus {
    const services = Object.fromEntries([...this.services].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    const healthy = Object.values(services).every((s) => s.status === 'healthy')
    return {status: healthy ? 'healthy' : 'unhealthy', services}
  }

  /** Whether every registered service has reported at least once (Teleport's AllServicesReported). */
  allReported(): boolean {
    return [...this.services.values()].every((s) => s.status !== 'initializing')
  }

  /** Resolves at the next change, or when `signal` aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve()
      const done = () => {
        signal.removeEventListener('abort', done)
        resolve()
      }
      this.waiters.push(done)
      signal.addEventListener('abort', done, {once: true})
    })
  }

  private notify(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }
}

function reported(status: 'healthy' | 'unhealthy', reason?: string): ServiceStatus {
  return {status, ...(reason !== undefined ? {reason} : {}), updated_at: new Date().toISOString()}
}

/** The process's registry: tbot runs one bot per process. */
export const readiness = new ReadinessRegistry()
