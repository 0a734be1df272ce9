/**
 * The workload-identity-api service's start: a SessionWorkloadSource over the bot's session, served
 * by the Workload API server (workloadapi/server.ts, loaded only when such a service is configured,
 * since grpc-js is a heavy import). Pass `workloadApiStarter()` as `runAgent`'s `startWorkloadApi`.
 */
import type {RunningWorkloadApiServer, WorkloadApiServerOptions} from '../workloadapi/server.js'
import type {StartWorkloadApi} from './agent-run.js'
import {systemClock, type Clock} from './clock.js'
import {SessionWorkloadSource} from './workload-source.js'

export interface WorkloadApiStarterOptions {
  readonly clock?: Clock
  readonly random?: () => number
  /** How often the trust bundle is checked for changes (default 1 minute). */
  readonly bundlePollIntervalMs?: number
  /** Default: workloadapi/server.ts's startWorkloadApiServer. */
  readonly startServer?: (options: WorkloadApiServerOptions) => Promise<RunningWorkloadApiServer>
}

export function workloadApiStarter(options: WorkloadApiStarterOptions = {}): StartWorkloadApi {
  return async ({config, session, log}) => {
    const source = new SessionWorkloadSource({
      session,
      selector: config.selector,
      credentialTtlMs: config.credentialTtlMs,
      renewalIntervalMs: config.renewalIntervalMs,
      bundlePollIntervalMs: options.bundlePollIntervalMs ?? 60_000,
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      log,
    })
    await source.start()
    let server: RunningWorkloadApiServer
    try {
      const startServer = options.startServer ?? (await import('../workloadapi/server.js')).startWorkloadApiServer
      server = await startServer({
        listen: config.listen,
        source,
        attestors: {unix: {binaryHashMaxSizeBytes: config.attestors.unix.binaryHashMaxSizeBytes}},
        ...(config.socketMode !== undefined ? {socketMode: config.socketMode} : {}),
        log,
      })
    } catch (err) {
      await source.stop()
      throw err
    }
    return {
      async close(graceMs: number) {
        await server.close(graceMs)
        await source.stop()
      },
    }
  }
}
