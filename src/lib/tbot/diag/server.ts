/**
 * tbot's diagnostics service on `diag_addr` / `--diag-addr` (Teleport's docs "Diagnostics Service";
 * lib/tbot/readyz/http.go): `/livez` always 200; `/readyz` and `/readyz/<service>` with Teleport's
 * JSON (200 when healthy, 503 otherwise, 404 `{"error": "Service named \"x\" not found."}`);
 * `/wait` and `/wait/<service>`, which answer like /readyz once every service (or the named one)
 * has reported, for `tbot wait`; `/metrics` in Prometheus text format.
 */
import type {Logger} from '../../log.js'
import {metricsRoute, startDiagServer, type DiagAnswer, type RunningDiagServer} from '../../metrics/http.js'
import {enableTbotMetrics} from '../../metrics/tbot.js'
import {httpStatusOf, readiness, type ReadinessRegistry} from './readiness.js'

export async function startTbotDiag(addr: string, log: Logger, registry: ReadinessRegistry = readiness): Promise<RunningDiagServer> {
  const metrics = await enableTbotMetrics()
  // Not ready while the bot joins: its identity service reports once the session exists.
  registry.register('identity')
  const server = await startDiagServer(addr, {
    '/livez': () => ({status: 200, body: {status: 'ok'}}),
    '/readyz': () => overall(registry),
    '/readyz/': (name) => service(registry, name),
    '/wait': async (_rest, signal) => {
      while (!registry.allReported() && !signal.aborted) await registry.changed(signal)
      return overall(registry)
    },
    '/wait/': async (name, signal) => {
      while (registry.service(name)?.status === 'initializing' && !signal.aborted) await registry.changed(signal)
      return service(registry, name)
    },
    '/metrics': metricsRoute(metrics),
  })
  log.info('Diagnostics service listening', {addr: server.url})
  return server
}

function overall(registry: ReadinessRegistry): DiagAnswer {
  const status = registry.overall()
  return {status: httpStatusOf(status.status), body: status}
}

function service(registry: ReadinessRegistry, name: string): DiagAnswer {
  const status = registry.service(name)
  if (status === undefined) return {status: 404, body: {error: `Service named ${JSON.stringify(name)} not found.`}}
  return {status: httpStatusOf(status.status), body: status}
}
