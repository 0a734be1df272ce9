/**
 * One configuration running against one BotSession: a renewal loop per output service, one for the
 * bot identity, a trust-bundle poller that re-renders X.509 outputs when the CA changes, and the
 * Workload API servers. `stop()` ends them all after the work in flight. Oneshot mode runs each
 * output once instead (the Workload API does not start in oneshot, as in Teleport).
 */
import {BadParameterError, errorFromCode, isSvidkitError, SvidkitError} from '../errors.js'
import type {Logger} from '../log.js'
import {defaultBackoff, identityRenewalDelay} from './backoff.js'
import type {Clock} from './clock.js'
import {isOutputService, X509_OUTPUT_TYPE, type DestinationConfig, type TbotConfig, type WorkloadApiConfig} from './config/types.js'
import type {Destination} from './destination.js'
import type {BotSession} from '../issuance/contract.js'
import {RenewalLoop, runWithRetries, type LoopTask} from './loop.js'
import {createOutputService, type OutputService} from './services.js'
import {servicesRestarting, taskStarted} from '../metrics/tbot.js'

/** A started long-running service, e.g. the Workload API server. */
export interface RunningService {
  close(graceMs: number): Promise<void>
}

export interface WorkloadApiStartContext {
  readonly config: WorkloadApiConfig
  readonly session: BotSession
  readonly log: Logger
  /** Aborts when the agent stops or reloads (the server is also closed through `close`). */
  readonly signal: AbortSignal
}

/** Wraps `startWorkloadApiServer({listen, source, attestors, log})` (the lead's wiring). */
export type StartWorkloadApi = (context: WorkloadApiStartContext) => Promise<RunningService>

export interface RunContext {
  readonly log: Logger
  readonly clock: Clock
  readonly random: () => number
  readonly openDestination?: (config: DestinationConfig) => Destination
  readonly startWorkloadApi?: StartWorkloadApi
  readonly bundlePollIntervalMs: number
  readonly oneshotAttempts: number
  readonly shutdownGraceMs: number
}

export interface RunningConfig {
  /** Stop every loop after its work in flight, then close the Workload API servers. */
  stop(): Promise<void>
  /** Resolves once every output has made its first attempt (written or failed): start-up is over. */
  readonly settled: Promise<void>
}

function outputServices(config: TbotConfig, ctx: RunContext): OutputService[] {
  return config.services.filter(isOutputService).map((service) => createOutputService(service, {
    log: ctx.log,
    ...(ctx.openDestination !== undefined ? {destination: ctx.openDestination(service.destination)} : {}),
  }))
}

function timingFor(ctx: RunContext, intervalMs: number) {
  return {intervalMs, backoff: defaultBackoff(intervalMs), clock: ctx.clock, random: ctx.random}
}

export async function startConfig(config: TbotConfig, session: BotSession, ctx: RunContext): Promise<RunningConfig> {
  const stop = new AbortController()
  servicesRestarting()
  const renewIdentity = sharedRenewal(session)
  // The session has just joined or renewed: the first identity renewal is one interval away.
  const running = [identityLoop(config, session, renewIdentity, ctx).run(stop.signal, {waitFirst: true})]
  const rendered = new Map<string, string | undefined>()
  const x509Loops = new Map<string, RenewalLoop>()
  const firstAttempts: Promise<void>[] = []
  for (const service of outputServices(config, ctx)) {
    let attempted: () => void = () => {}
    firstAttempts.push(new Promise((resolve) => { attempted = resolve }))
    const loop = outputLoop(service, session, renewIdentity, ctx, rendered, attempted)
    if (service.config.type === X509_OUTPUT_TYPE) x509Loops.set(service.config.name, loop)
    running.push(loop.run(stop.signal))
  }
  if (x509Loops.size > 0) running.push(bundlePoller(session, ctx, rendered, x509Loops).run(stop.signal, {waitFirst: true}))

  const servers = await startWorkloadApis(config, session, ctx, stop.signal).catch(async (err: unknown) => {
    stop.abort()
    await Promise.all(running)
    throw err
  })
  return {
    async stop() {
      stop.abort()
      await Promise.all(running)
      await Promise.all(servers.map((s) => s.close(ctx.shutdownGraceMs)))
    },
    settled: Promise.all(firstAttempts).then(() => undefined),
  }
}

type RenewIdentity = (signal: AbortSignal) => Promise<void>

/** One bot identity renewal at a time: the identity loop and retrying outputs share it. */
function sharedRenewal(session: BotSession): RenewIdentity {
  let inFlight: Promise<void> | undefined
  return (signal) => {
    inFlight ??= session.renew(signal).finally(() => { inFlight = undefined })
    return inFlight
  }
}

/** Renews the bot's own identity every renewal_interval, and always before it expires. */
function identityLoop(config: TbotConfig, session: BotSession, renewIdentity: RenewIdentity, ctx: RunContext): RenewalLoop {
  const log = ctx.log.with({service: 'identity'})
  return new RenewalLoop({action: 'renew bot identity', metric: {service: 'internal', name: 'identity'}, run: async (signal) => {
    await renewIdentity(signal)
    log.info('Renewed bot identity', {expires: session.identityExpiresAt()})
  }}, {
    ...timingFor(ctx, config.renewalIntervalMs),
    log,
    nextDelay: (d) => identityRenewalDelay(d, ctx.clock.now(), session.identityExpiresAt()),
  })
}

/**
 * One output: prepare its destination once, then generate every renewal interval. A retry after a
 * failure first renews the bot identity: the bot acts with the roles its identity carries, so a
 * refusal fixed by `tctl bots update --add-roles` clears at the next retry rather than only at the
 * next identity renewal (Teleport's outputs likewise fetch a fresh role set at each attempt).
 */
function outputLoop(
  service: OutputService, session: BotSession, renewIdentity: RenewIdentity, ctx: RunContext, rendered: Map<string, string | undefined>, attempted: () => void,
): RenewalLoop {
  const name = service.config.name
  const log = ctx.log.with({service: name})
  let initialised = false
  let failedBefore = false
  const task: LoopTask = {action: service.action, metric: {service: service.config.type, name}, run: async (signal) => {
    try {
      if (!initialised) {
        await service.destination.init()
        initialised = true
      }
      if (failedBefore) {
        await renewIdentity(signal)
        log.debug('Renewed bot identity before retrying, to pick up role changes', {expires: session.identityExpiresAt()})
      }
      rendered.set(name, (await service.generate(session, signal)).bundleFingerprint)
      failedBefore = false
    } catch (err) {
      failedBefore = true
      throw err
    } finally {
      attempted()
    }
  }}
  return new RenewalLoop(task, {...timingFor(ctx, service.config.renewalIntervalMs), log})
}

/** Re-renders each X.509 output whose written bundle differs from the cluster's current one. */
function bundlePoller(session: BotSession, ctx: RunContext, rendered: ReadonlyMap<string, string | undefined>, x509Loops: ReadonlyMap<string, RenewalLoop>): RenewalLoop {
  const log = ctx.log.with({service: 'spiffe-trust-bundle-cache'})
  return new RenewalLoop({action: 'check the SPIFFE trust bundle', metric: {service: 'internal', name: 'spiffe-trust-bundle-cache'}, run: async (signal) => {
    const {fingerprint} = await session.trustBundle(signal)
    for (const [name, loop] of x509Loops) {
      const written = rendered.get(name)
      if (written !== undefined && written !== fingerprint) {
        log.info('Trust bundle changed, re-rendering output', {output: name})
        loop.trigger('trust bundle changed')
      }
    }
  }}, {...timingFor(ctx, ctx.bundlePollIntervalMs), log})
}

async function startWorkloadApis(config: TbotConfig, session: BotSession, ctx: RunContext, signal: AbortSignal): Promise<RunningService[]> {
  const servers: RunningService[] = []
  for (const service of config.services) {
    if (service.type !== 'workload-identity-api') continue
    if (ctx.startWorkloadApi === undefined) {
      throw new BadParameterError(`${service.origin}: the workload-identity-api service is not available in this build`)
    }
    try {
      servers.push(await ctx.startWorkloadApi({config: service, session, log: ctx.log.with({service: service.name}), signal}))
    } catch (err) {
      await Promise.all(servers.map((s) => s.close(0)))
      throw err
    }
    ctx.log.info('Workload API service listening', {service: service.name, listen: service.listen})
    taskStarted({service: service.type, name: service.name}, true)
  }
  return servers
}

/** Every output once, in order; the first failure ends the run (its message names the service). */
export async function runOneshot(config: TbotConfig, session: BotSession, ctx: RunContext, signal: AbortSignal): Promise<void> {
  for (const service of config.services) {
    if (service.type === 'workload-identity-api') {
      ctx.log.info('Service does not run in oneshot mode, skipping', {service: service.name})
    }
  }
  for (const service of outputServices(config, ctx)) {
    const name = service.config.name
    const log = ctx.log.with({service: name})
    try {
      await service.destination.init()
      await runWithRetries({action: service.action, run: (s) => service.generate(session, s).then(() => undefined)}, {
        attempts: ctx.oneshotAttempts,
        backoff: defaultBackoff(service.config.renewalIntervalMs),
        clock: ctx.clock,
        random: ctx.random,
        log,
        signal,
      })
    } catch (err) {
      if (signal.aborted) throw new SvidkitError('INTERNAL', 'interrupted before every output was generated', {cause: err})
      throw prefixError(name, err)
    }
  }
  ctx.log.info('Oneshot mode: every output generated, exiting')
}

/** The same error code, with the service's name in front of the message. */
function prefixError(name: string, err: unknown): Error {
  const message = `${name}: ${err instanceof Error ? err.message : String(err)}`
  if (isSvidkitError(err)) {
    const wrapped = errorFromCode(err.code, message)
    return Object.assign(wrapped, {cause: err})
  }
  return new Error(message, {cause: err})
}
