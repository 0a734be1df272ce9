/**
 * The server's metrics and the hooks its HTTP core and bot routes call (one line each): requests by
 * route pattern and status with latency, SVIDs issued, joins by method and outcome. As for tbot
 * (metrics/tbot.ts), prom-client loads only when `teleport.diag_addr` starts the diagnostics server.
 */
import {collectProcessMetrics} from './process.js'
import type {Counter, Histogram, Registry} from 'prom-client'

interface ServerMetrics {
  readonly registry: Registry
  readonly requests: Counter<'method' | 'route' | 'status'>
  readonly latency: Histogram<'method' | 'route'>
  readonly svidsIssued: Counter<'type'>
  readonly joins: Counter<'method' | 'outcome'>
}

let metrics: ServerMetrics | undefined

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

export async function enableServerMetrics(): Promise<Registry> {
  if (metrics !== undefined) return metrics.registry
  const prom = await import('prom-client')
  const registry = new prom.Registry()
  collectProcessMetrics(prom, registry)
  metrics = {
    registry,
    requests: new prom.Counter({
      name: 'svidkit_server_requests_total', help: 'API requests by method, route pattern and HTTP status',
      labelNames: ['method', 'route', 'status'], registers: [registry],
    }),
    latency: new prom.Histogram({
      name: 'svidkit_server_request_duration_seconds', help: 'API request latency by method and route pattern',
      labelNames: ['method', 'route'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
    }),
    svidsIssued: new prom.Counter({name: 'svidkit_server_svids_issued_total', help: 'SVIDs issued, by type', labelNames: ['type'], registers: [registry]}),
    joins: new prom.Counter({
      name: 'svidkit_server_joins_total', help: 'Bot joins by join method and outcome', labelNames: ['method', 'outcome'], registers: [registry],
    }),
  }
  return registry
}

/** One request answered; `route` is the matched pattern (`/v1/bots/:name`), `unmatched` otherwise, never the raw path. */
export function serverRequest(rawMethod: string, route: string, status: number, seconds: number): void {
  if (metrics === undefined) return
  // The method is client input: anything outside HTTP's usual verbs is one label value.
  const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : 'OTHER'
  metrics.requests.inc({method, route, status: String(status)})
  metrics.latency.observe({method, route}, seconds)
}

export function serverSvidsIssued(type: 'x509' | 'jwt', count: number): void {
  metrics?.svidsIssued.inc({type}, count)
}

/** Counts the join's outcome and passes it through: `return recordJoin('token', joinBot(...))`. */
export async function recordJoin<T>(method: string, joining: Promise<T>): Promise<T> {
  try {
    const joined = await joining
    metrics?.joins.inc({method, outcome: 'success'})
    return joined
  } catch (err) {
    metrics?.joins.inc({method, outcome: 'failure'})
    throw err
  }
}
