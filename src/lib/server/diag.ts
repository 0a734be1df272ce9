/**
 * The server's diagnostics service on `teleport.diag_addr` (Teleport's docs "Teleport Diagnostics"):
 * `/healthz` 200 `{"status":"ok"}` while the process runs; `/readyz` 200 `{"status":"ok"}`, or 503
 * with the reason while the server cannot serve (its store unreachable); `/metrics` in Prometheus
 * text format. Readiness is a function the wiring passes, so any store can say how it is.
 */
import {constants} from 'node:fs'
import {access} from 'node:fs/promises'
import type {Logger} from '../log.js'
import {metricsRoute, startDiagServer, type RunningDiagServer} from '../metrics/http.js'
import {enableServerMetrics} from '../metrics/server.js'

export interface Readiness {
  readonly ok: boolean
  readonly reason?: string
}

export type ReadyCheck = () => Promise<Readiness>

/** A check that hangs is a "not ready", not a hung probe. */
const READY_TIMEOUT_MS = 2000

export async function startServerDiag(addr: string, ready: ReadyCheck, log: Logger): Promise<RunningDiagServer> {
  const metrics = await enableServerMetrics()
  const server = await startDiagServer(addr, {
    '/healthz': () => ({status: 200, body: {status: 'ok'}}),
    '/readyz': async () => {
      const r = await boundedCheck(ready)
      return r.ok ? {status: 200, body: {status: 'ok'}} : {status: 503, body: {status: 'unavailable', reason: r.reason ?? 'not ready'}}
    },
    '/metrics': metricsRoute(metrics),
  })
  log.info('Diagnostics service listening', {addr: server.url})
  return server
}

async function boundedCheck(ready: ReadyCheck): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<Readiness>((resolve) => {
    timer = setTimeout(() => resolve({ok: false, reason: `readiness check did not answer within ${READY_TIMEOUT_MS} ms`}), READY_TIMEOUT_MS)
  })
  try {
    return await Promise.race([ready().catch((err: unknown) => ({ok: false, reason: err instanceof Error ? err.message : String(err)})), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** The file store's readiness: its data directory is there and writable. */
export function dataDirReady(dataDir: string): ReadyCheck {
  return async () => {
    try {
      await access(dataDir, constants.R_OK | constants.W_OK | constants.X_OK)
      return {ok: true}
    } catch (err) {
      return {ok: false, reason: `data directory ${dataDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`}
    }
  }
}
