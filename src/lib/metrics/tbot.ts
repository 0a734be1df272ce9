/**
 * tbot's metrics and the hooks its loops and Workload API call (one line each at the call site).
 * Teleport's task metrics (lib/tbot/internal/loop.go: `tbot_task_iterations_total`,
 * `tbot_task_iterations_successful`, `tbot_task_iterations_failed`,
 * `tbot_task_iteration_duration_seconds`, labelled `service` and `name`) and ours for the Workload
 * API and the SVIDs issued. prom-client is loaded only when the diagnostics server starts
 * (enableTbotMetrics): a bot without diag_addr pays neither its memory nor its start-up; until
 * then the hooks only keep readiness (tbot/diag/readiness.ts).
 *
 * Our loop (tbot/loop.ts) retries a failed task on the next, backed-off run rather than inside one
 * iteration, so each run is an iteration here: `..._successful` observes how many failed runs came
 * before the success, `..._failed` counts failed runs.
 */
import {collectProcessMetrics} from './process.js'
import type {Counter, Gauge, Histogram, Registry} from 'prom-client'
import {readiness} from '../tbot/diag/readiness.js'

export interface TaskLabels {
  /** The service type (`workload-identity-x509`) or `internal` for the bot's own tasks. */
  readonly service: string
  /** The service's name: the key of /readyz/<name>. */
  readonly name: string
}

interface TbotMetrics {
  readonly registry: Registry
  readonly iterations: Counter<'service' | 'name'>
  readonly successful: Histogram<'service' | 'name'>
  readonly failed: Counter<'service' | 'name'>
  readonly duration: Histogram<'service' | 'name'>
  readonly workloadApiRequests: Counter<'method' | 'code'>
  readonly attestationRefusals: Counter<'method'>
  readonly svidsIssued: Counter<'type'>
  readonly expiry: Gauge<'type' | 'spiffe_id'>
  /** Expiry of the latest SVID per type and SPIFFE ID, as Unix ms; read as seconds left at scrape time. */
  readonly expiries: Map<string, {type: string; spiffeId: string; expiresAtMs: number}>
}

let metrics: TbotMetrics | undefined

/** Creates the metrics (once) and returns their registry, with Node's process metrics beside them. */
export async function enableTbotMetrics(): Promise<Registry> {
  if (metrics !== undefined) return metrics.registry
  const prom = await import('prom-client')
  const registry = new prom.Registry()
  collectProcessMetrics(prom, registry)
  const labelNames = ['service', 'name'] as const
  const expiries = new Map<string, {type: string; spiffeId: string; expiresAtMs: number}>()
  const expiry: Gauge<'type' | 'spiffe_id'> = new prom.Gauge({
    name: 'tbot_svid_expiry_seconds', help: 'Seconds until the latest SVID issued for this SPIFFE ID expires',
    labelNames: ['type', 'spiffe_id'], registers: [registry],
    collect() {
      this.reset()
      const now = Date.now()
      for (const e of expiries.values()) this.set({type: e.type, spiffe_id: e.spiffeId}, Math.max(0, (e.expiresAtMs - now) / 1000))
    },
  })
  metrics = {
    registry,
    expiries,
    expiry,
    iterations: new prom.Counter({name: 'tbot_task_iterations_total', help: 'Number of task iteration attempts, not counting retries', labelNames, registers: [registry]}),
    successful: new prom.Histogram({
      name: 'tbot_task_iterations_successful', help: 'Histogram of task iterations that ultimately succeeded, bucketed by number of retries before success',
      labelNames, buckets: [0, 1, 2, 3, 4, 5], registers: [registry],
    }),
    failed: new prom.Counter({name: 'tbot_task_iterations_failed', help: 'Number of task iterations that ultimately failed, not counting retries', labelNames, registers: [registry]}),
    duration: new prom.Histogram({
      name: 'tbot_task_iteration_duration_seconds', help: 'Time between beginning and ultimate end of one task iteration regardless of outcome, including all retries',
      labelNames, buckets: prom.exponentialBuckets(0.1, 1.75, 6), registers: [registry],
    }),
    workloadApiRequests: new prom.Counter({
      name: 'tbot_workload_api_requests_total', help: 'Workload API calls by method and gRPC status code', labelNames: ['method', 'code'], registers: [registry],
    }),
    attestationRefusals: new prom.Counter({
      name: 'tbot_workload_api_attestation_refusals_total', help: 'Workload API calls refused because the workload passed attestation for no SVID',
      labelNames: ['method'], registers: [registry],
    }),
    svidsIssued: new prom.Counter({name: 'tbot_svids_issued_total', help: 'SVIDs issued to this bot, by type', labelNames: ['type'], registers: [registry]}),
  }
  return registry
}

/** A task's loop starts: it appears in /readyz, healthy at once when it waits first (the session was just made). */
export function taskStarted(task: TaskLabels, healthy: boolean): void {
  readiness.register(task.name, healthy)
}

/** One run of a task begins; call the result with the error when it failed, with nothing when it succeeded. */
export function taskIteration(task: TaskLabels, failuresBefore: number): (err?: unknown) => void {
  const started = performance.now()
  metrics?.iterations.inc({service: task.service, name: task.name})
  return (err?: unknown) => {
    const labels = {service: task.service, name: task.name}
    metrics?.duration.observe(labels, (performance.now() - started) / 1000)
    if (err === undefined) {
      metrics?.successful.observe(labels, failuresBefore)
      readiness.report(task.name, 'healthy')
    } else {
      metrics?.failed.inc(labels)
      readiness.report(task.name, 'unhealthy', err instanceof Error ? err.message : String(err))
    }
  }
}

/** The server names a refused stream by its kind (workloadapi/streams.ts); the metric by its RPC. */
const STREAM_RPCS: Readonly<Record<string, string>> = {
  'x509-svid': 'FetchX509SVID', 'x509-bundles': 'FetchX509Bundles', 'jwt-bundles': 'FetchJWTBundles',
}

/** A Workload API call ended with this gRPC status code (0 when it succeeded or its stream opened). */
export function workloadApiCall(methodOrStream: string, code: number, notEntitled = false): void {
  if (metrics === undefined || methodOrStream === 'shutdown') return
  const method = STREAM_RPCS[methodOrStream] ?? methodOrStream
  metrics.workloadApiRequests.inc({method, code: String(code)})
  if (notEntitled) metrics.attestationRefusals.inc({method})
}

/** SVIDs this bot received, for the issuance counter and the seconds-to-expiry gauge. */
export function svidsIssued(type: 'x509' | 'jwt', svids: readonly {readonly spiffeId: string; readonly expiresAt: Date}[]): void {
  if (metrics === undefined) return
  metrics.svidsIssued.inc({type}, svids.length)
  for (const svid of svids) metrics.expiries.set(`${type} ${svid.spiffeId}`, {type, spiffeId: svid.spiffeId, expiresAtMs: svid.expiresAt.getTime()})
}

/** A configuration (re)starts its services: those of the previous one leave /readyz. */
export function servicesRestarting(): void {
  readiness.reset()
}
