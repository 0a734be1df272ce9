/**
 * Node's process metrics (prom-client's collectDefaultMetrics: CPU, memory, event loop lag, GC),
 * the counterpart of the Go runtime metrics Teleport exposes. Three of prom-client's gauges end in
 * `_total`, which Prometheus reserves for counters (`promtool check metrics` flags them), so they
 * are left out; `nodejs_active_handles` and the like carry the same numbers.
 */
import type * as Prom from 'prom-client'

const COUNTER_NAMED_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

export function collectProcessMetrics(prom: typeof Prom, registry: Prom.Registry): void {
  prom.collectDefaultMetrics({register: registry})
  for (const name of COUNTER_NAMED_GAUGES) registry.removeSingleMetric(name)
}
