/**
 * `tbot start`, with a config file or as one of the one-line forms: flags → TbotConfig → the agent,
 * connected to the local backend (the data directory) or, when a server is configured, to it.
 */
import {Flags} from '@oclif/core'
import type {OneLineServiceType, StartFlags} from '../lib/tbot/config/one-line.js'
import {dataDirFlag} from './admin.js'
import {parseDuration} from '../lib/duration.js'
import {BadParameterError} from '../lib/errors.js'
import {optimizeFromNowOn} from '../lib/idle-memory.js'

export const sharedStartFlags = {
  'data-dir': dataDirFlag,
  'proxy-server': Flags.string({description: 'Address of the proxy server (host:port).'}),
  'auth-server': Flags.string({char: 'a', description: 'Address of the auth server (host:port).'}),
  token: Flags.string({description: 'A join token, or an absolute path to a file holding one.'}),
  'join-method': Flags.string({description: 'Method to join the cluster: token.'}),
  'ca-pin': Flags.string({description: 'CA pin (sha256:...) to validate the server; repeatable.', multiple: true}),
  insecure: Flags.boolean({description: 'Trust the server without checking its CA. Never use in production.', default: false}),
  'certificate-ttl': Flags.string({description: 'TTL of short-lived certificates (default 1h).'}),
  'renewal-interval': Flags.string({description: 'Interval at which certificates are renewed (default 20m).'}),
  oneshot: Flags.boolean({description: 'Generate the outputs once, then exit.', default: false}),
  storage: Flags.string({description: 'Where the bot keeps its own identity: file:///dir, a directory, or memory://.'}),
  'diag-addr': Flags.string({description: 'Address for the diagnostics HTTP server.'}),
  'log-format': Flags.string({description: 'Log format.', options: ['text', 'json'], default: 'text'}),
}

export interface StartInput {
  readonly configFile?: string
  readonly serviceType?: OneLineServiceType
  readonly dataDir?: string
  readonly logFormat: string
  readonly flags: StartFlags
}

/** How the agent ran, once it has stopped; it reports on the way through its log (stderr), not at the end. */
export interface AgentRun {
  readonly oneshot: boolean
}

export async function runTbotStart(input: StartInput): Promise<AgentRun> {
  const [{buildTbotConfig}, {runAgent}, {connectTbot}, {workloadApiStarter}, {createLogger, drained, parseLogFormat}, {resolveDataDir}] = await Promise.all([
    import('../lib/tbot/config/one-line.js'), import('../lib/tbot/agent.js'), import('../lib/tbot/connect.js'), import('../lib/tbot/workload-api.js'),
    import('../lib/log.js'), import('../lib/backend/local/data-dir.js'),
  ])
  const build = () => buildTbotConfig({configFile: input.configFile, serviceType: input.serviceType, flags: input.flags})
  const config = await build()
  const log = createLogger({component: 'tbot', level: config.debug ? 'debug' : 'info', format: parseLogFormat(input.logFormat)})
  const connect = connectTbot(resolveDataDir(input.dataDir))
  const bundlePollIntervalMs = bundlePollInterval(process.env)
  // The diagnostics service (lib/tbot/diag) lives as long as the process, from before the join.
  const diag = config.diagAddr !== undefined && !config.oneshot ? await (await import('../lib/tbot/diag/server.js')).startTbotDiag(config.diagAddr, log) : undefined
  try {
    // The binary left the compilers off for start-up (lib/idle-memory.ts): on again once the outputs are written.
    await runAgent(config, {connect, log, loadConfig: build, startWorkloadApi: workloadApiStarter({bundlePollIntervalMs}), bundlePollIntervalMs, onSettled: optimizeFromNowOn})
  } finally {
    await diag?.close()
    await drained(process.stderr)
  }
  return {oneshot: config.oneshot}
}

/**
 * How often the agent checks the cluster's trust bundle for a CA rotation (default 1 minute; Teleport's
 * tbot is told by a watch instead). ${BUNDLE_POLL_ENV} (a duration) shortens it, for short rotation phases.
 */
export const BUNDLE_POLL_ENV = 'SVIDKIT_TBOT_BUNDLE_POLL_INTERVAL'

function bundlePollInterval(env: NodeJS.ProcessEnv): number {
  const text = env[BUNDLE_POLL_ENV]
  if (text === undefined || text === '') return 60_000
  const ms = parseDuration(text)
  if (!(ms > 0)) throw new BadParameterError(`${BUNDLE_POLL_ENV}: must be a positive duration, not ${JSON.stringify(text)}`)
  return ms
}

/** The shared flags as the config builder takes them (camelCase). */
export function startFlagsFrom(f: {
  'proxy-server'?: string; 'auth-server'?: string; token?: string; 'join-method'?: string; 'ca-pin'?: string[]; insecure: boolean
  'certificate-ttl'?: string; 'renewal-interval'?: string; oneshot: boolean; storage?: string; 'diag-addr'?: string; debug: boolean
}): StartFlags {
  return {
    proxyServer: f['proxy-server'], authServer: f['auth-server'], token: f.token, joinMethod: f['join-method'], caPin: f['ca-pin'],
    insecure: f.insecure, certificateTtl: f['certificate-ttl'], renewalInterval: f['renewal-interval'], oneshot: f.oneshot,
    storage: f.storage, diagAddr: f['diag-addr'], debug: f.debug,
  }
}
