/**
 * tbot's orchestrator: a command is "parse flags → buildTbotConfig → runAgent(config, deps)".
 *
 * - connects (join or stored identity) through the injected `connect`;
 * - oneshot: every output once, then returns (exit 0) or throws the first failure (exit 1);
 * - otherwise runs until SIGTERM/SIGINT (or `deps.stop`), then stops every loop after its work in
 *   flight (a write started is finished), closes the Workload API servers and the session;
 * - SIGHUP reloads: `deps.loadConfig()`, then the services restart with the new config. A config that
 *   fails to load is logged and the old one keeps running. The session is kept when the connection
 *   settings did not change (so a memory-stored identity survives), else a new one is connected
 *   first and the old one closed.
 */
import type {Logger} from '../log.js'
import {startConfig, runOneshot, type RunContext, type RunningConfig, type StartWorkloadApi} from './agent-run.js'
import {systemClock, type Clock} from './clock.js'
import type {DestinationConfig, TbotConfig} from './config/types.js'
import type {Destination} from './destination.js'
import type {BotSession} from '../issuance/contract.js'
import type {ConnectTbot} from './connect.js'

export type {RunningService, StartWorkloadApi, WorkloadApiStartContext} from './agent-run.js'

export type AgentSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP'

/** Where process signals come from (the process by default; tests pass an EventEmitter). */
export interface SignalSource {
  on(signal: AgentSignal, listener: () => void): unknown
  off(signal: AgentSignal, listener: () => void): unknown
}

export interface AgentDeps {
  readonly connect: ConnectTbot
  readonly log: Logger
  /** Re-reads the config on SIGHUP (same source as at start: file + flags). */
  readonly loadConfig?: () => Promise<TbotConfig>
  readonly startWorkloadApi?: StartWorkloadApi
  readonly clock?: Clock
  /** Uniform in [0, 1): jitter. */
  readonly random?: () => number
  /** `null`: install no signal handlers. Default: the process. */
  readonly signals?: SignalSource | null
  /** Stops the agent like SIGTERM does. */
  readonly stop?: AbortSignal
  readonly openDestination?: (config: DestinationConfig) => Destination
  /** How often X.509 outputs check the trust bundle for a CA change (default 1 minute). */
  readonly bundlePollIntervalMs?: number
  /** Attempts per output in oneshot (default 5, as Teleport). */
  readonly oneshotAttempts?: number
  /** How long Workload API servers may drain on shutdown (default 5s). */
  readonly shutdownGraceMs?: number
  /** Called once, when the first configuration's outputs have each made their first attempt (not in oneshot). */
  readonly onSettled?: () => void
}

export async function runAgent(initial: TbotConfig, deps: AgentDeps): Promise<void> {
  const log = deps.log
  const ctx: RunContext = {
    log,
    clock: deps.clock ?? systemClock,
    random: deps.random ?? Math.random,
    bundlePollIntervalMs: deps.bundlePollIntervalMs ?? 60_000,
    oneshotAttempts: deps.oneshotAttempts ?? 5,
    shutdownGraceMs: deps.shutdownGraceMs ?? 5000,
    ...(deps.openDestination !== undefined ? {openDestination: deps.openDestination} : {}),
    ...(deps.startWorkloadApi !== undefined ? {startWorkloadApi: deps.startWorkloadApi} : {}),
  }
  const events = new AgentEvents(log, deps.stop)
  const signals = deps.signals === undefined ? process : deps.signals
  events.install(signals)
  let config = initial
  let session: BotSession | undefined
  try {
    for (const warning of config.warnings) log.error(warning)
    log.info('Starting tbot', {config: config.source, services: config.services.length, oneshot: config.oneshot})
    session = await deps.connect(config, {log, signal: events.stop.signal})
    if (config.oneshot) return await runOneshot(config, session, ctx, events.stop.signal)
    let onSettled = deps.onSettled
    for (;;) {
      const running: RunningConfig = await startConfig(config, session, ctx)
      if (onSettled !== undefined) void running.settled.then(onSettled)
      onSettled = undefined
      const event = await events.next()
      await running.stop()
      if (event === 'stop') break
      const reloaded = await reload(config, session, deps, events.stop.signal)
      if (reloaded !== undefined) ({config, session} = reloaded)
    }
    log.info('tbot stopped')
  } finally {
    events.uninstall(signals)
    await session?.close()
  }
}

async function reload(config: TbotConfig, session: BotSession, deps: AgentDeps, signal: AbortSignal): Promise<{config: TbotConfig; session: BotSession} | undefined> {
  const {log} = deps
  if (deps.loadConfig === undefined) {
    log.warn('Received SIGHUP but configuration reload is not available; ignoring')
    return undefined
  }
  let next: TbotConfig
  try {
    next = await deps.loadConfig()
  } catch (err) {
    log.error('Failed to reload configuration, keeping the current one', {error: err})
    return undefined
  }
  for (const warning of next.warnings) log.error(warning)
  if (sameConnection(config, next)) {
    log.info('Configuration reloaded', {services: next.services.length})
    return {config: next, session}
  }
  let nextSession: BotSession
  try {
    nextSession = await deps.connect(next, {log, signal})
  } catch (err) {
    log.error('Failed to connect with the reloaded configuration, keeping the current one', {error: err})
    return undefined
  }
  await session.close()
  log.info('Configuration reloaded with new connection settings', {services: next.services.length})
  return {config: next, session: nextSession}
}

/** Whether a reloaded config can keep the current session. */
export function sameConnection(a: TbotConfig, b: TbotConfig): boolean {
  const key = (c: TbotConfig) => JSON.stringify([c.proxyServer, c.authServer, c.onboarding, c.storage, c.insecure])
  return key(a) === key(b)
}

/** Turns process signals into "stop" (SIGTERM, SIGINT, deps.stop) and "reload" (SIGHUP) events. */
class AgentEvents {
  readonly stop = new AbortController()
  private reloadRequested = false
  private wake: (() => void) | undefined

  private readonly onStop = (signal: AgentSignal) => () => {
    if (this.stop.signal.aborted) return
    this.log.info('Received signal, shutting down after the work in flight', {signal})
    this.stop.abort()
    this.wake?.()
  }

  private readonly listeners = {
    SIGTERM: this.onStop('SIGTERM'),
    SIGINT: this.onStop('SIGINT'),
    SIGHUP: () => {
      this.log.info('Received signal, reloading configuration', {signal: 'SIGHUP'})
      this.reloadRequested = true
      this.wake?.()
    },
  }

  constructor(private readonly log: Logger, external: AbortSignal | undefined) {
    if (external?.aborted === true) this.stop.abort()
    external?.addEventListener('abort', () => {
      this.stop.abort()
      this.wake?.()
    }, {once: true})
  }

  install(source: SignalSource | null): void {
    for (const [name, listener] of Object.entries(this.listeners)) source?.on(name as AgentSignal, listener)
  }

  uninstall(source: SignalSource | null): void {
    for (const [name, listener] of Object.entries(this.listeners)) source?.off(name as AgentSignal, listener)
  }

  /** The next event: stop wins over a pending reload. */
  next(): Promise<'stop' | 'reload'> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.stop.signal.aborted) return resolve('stop')
        if (this.reloadRequested) {
          this.reloadRequested = false
          return resolve('reload')
        }
        this.wake = check
      }
      check()
    })
  }
}
