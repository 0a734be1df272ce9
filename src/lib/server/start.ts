/**
 * `teleport start`: the auth and proxy services in one process with one HTTPS listener. The data
 * directory is opened as a LocalBackend (created on first start), so the server runs the same
 * Authority and resource code as `tctl` on the cluster's host; this only wires it to HTTP.
 */
import {createServer as createNetServer} from 'node:net'
import {hostname} from 'node:os'
import type {Authority} from '../authority/authority.js'
import type {LocalBackend} from '../backend/local/backend.js'
import {openConfiguredBackend} from '../backend/open-backend.js'
import {ConnectionProblemError, InputError} from '../errors.js'
import type {Logger} from '../log.js'
import {formatHostPort, type NetAddr} from '../net/addr.js'
import {adminRoutes} from './admin-routes.js'
import {botRoutes} from './bot-routes.js'
import {caRoutes, scheduleAutoRotation} from './ca-routes.js'
import {authenticateCaller, describeCaller, type ApiCaller} from './callers.js'
import type {ServerConfig} from './config.js'
import {HttpServer, type HttpLimits} from './http.js'
import {minClientVersion} from './ping.js'
import {publicRoutes} from './public-routes.js'
import type {Route} from './router.js'
import {serverCertHosts, serverTls} from './server-tls.js'
import {caPin} from '../net/ca-pin.js'
import {dataDirReady, startServerDiag, type ReadyCheck} from './diag.js'
import {startFederationSync} from '../federation/server.js'
import {optimizeFromNowOn} from '../idle-memory.js'

export interface StartServerOptions {
  readonly version: string
  readonly logger: Logger
  readonly now?: () => Date
  readonly limits?: Partial<HttpLimits>
  /** /readyz's check (server/diag.ts); default: the data directory is reachable. */
  readonly ready?: ReadyCheck
}

export interface RunningServer {
  /** `https://host:port` actually bound. */
  readonly url: string
  /** `host:port` the cluster advertises (the JWT issuer is derived from it). */
  readonly publicAddr: string
  readonly backend: LocalBackend
  /** Graceful: in-flight requests finish, then audit records are flushed. */
  close(): Promise<void>
}

const isUnspecified = (host: string) => host === '0.0.0.0' || host === '::' || host === ''

/** Where the cluster is reached: the first public_addr, else the listen address (this host's name when unspecified). */
function advertisedAddr(config: ServerConfig, port: number): NetAddr {
  const [first] = config.proxy.publicAddrs
  if (first !== undefined) return first
  const listen = config.proxy.webListenAddr
  const host = isUnspecified(listen.host) ? hostname().toLowerCase() : listen.host
  return {host, port, explicitPort: true, raw: formatHostPort({host, port})}
}

/** With neither a port nor a public address, the issuer needs the port before the listener exists. */
async function reservePort(host: string): Promise<number> {
  const probe = createNetServer()
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, host, resolve))
  const {port} = probe.address() as {port: number}
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** One process runs both services; either alone is not supported. */
function checkServices(config: ServerConfig): void {
  for (const [field, enabled] of [['auth_service.enabled', config.auth.enabled], ['proxy_service.enabled', config.proxy.enabled]] as const) {
    if (!enabled) throw new InputError({file: config.file, field}, 'this server runs the auth and proxy services together; both must be enabled')
  }
}

interface Wiring {
  readonly config: ServerConfig
  readonly version: string
  readonly backend: LocalBackend
  readonly authority: Authority
  readonly publicAddr: string
  readonly pins: readonly string[]
  readonly now: () => Date
  /** The port actually bound (known once listening). */
  readonly boundPort: () => number
}

function routesFor(w: Wiring): Route<ApiCaller>[] {
  const listenHost = w.config.proxy.webListenAddr.host
  return [
    ...publicRoutes<ApiCaller>({
      ca: () => w.authority.caMaterial(), issuer: w.authority.issuer,
      ping: () => ({
        clusterName: w.backend.clusterName, serverVersion: w.version, minClientVersion: safeMinClientVersion(w.version),
        webListenAddr: formatHostPort({host: listenHost, port: w.boundPort()}), publicAddr: w.publicAddr, caPins: w.pins,
      }),
      // The proxy dials its own public address as written (443 when it has no port, §8).
      thumbprintAddr: () => w.config.proxy.publicAddrs[0]?.raw ?? formatHostPort({host: isUnspecified(listenHost) ? '127.0.0.1' : listenHost, port: w.boundPort()}),
    }),
    ...adminRoutes(w.backend),
    ...caRoutes(w.backend),
    ...botRoutes({authority: w.authority, store: w.backend.store, now: w.now}),
  ]
}

export async function startServer(config: ServerConfig, o: StartServerOptions): Promise<RunningServer> {
  checkServices(config)
  const now = o.now ?? (() => new Date())
  const listen = config.proxy.webListenAddr
  const port = listen.port === 0 && config.proxy.publicAddrs.length === 0 ? await reservePort(listen.host) : listen.port
  const advertised = advertisedAddr(config, port)
  const publicAddr = formatHostPort(advertised)
  const backend = await openConfiguredBackend(config, {publicAddr, version: o.version, now, create: true, changeFeed: true})
  try {
    return await serveOver(backend, config, o, {port, advertised, publicAddr, now})
  } catch (err) {
    await backend.close()
    throw err
  }
}

async function serveOver(
  backend: LocalBackend, config: ServerConfig, o: StartServerOptions,
  {port, advertised, publicAddr, now}: {port: number; advertised: NetAddr; publicAddr: string; now: () => Date},
): Promise<RunningServer> {
  const listen = config.proxy.webListenAddr
  const authority = await backend.authority()
  const issueTls = (pairs: ServerConfig['proxy']['httpsKeyPairs']) => serverTls(authority.ca, pairs, serverCertHosts(advertised.host, listen.host), now)
  const material = await issueTls(config.proxy.httpsKeyPairs)
  const pins = [caPin(authority.ca.botCa.certDer)]
  let boundPort = port
  const routes = routesFor({config, version: o.version, backend, authority, publicAddr, pins, now, boundPort: () => boundPort})
  const server = new HttpServer<ApiCaller>({
    tls: material.tls, routes, authenticate: authenticateCaller(authority.ca, now), describeCaller, logger: o.logger, ...(o.limits ? {limits: o.limits} : {}),
  })
  try {
    boundPort = (await server.listen(port, listen.host)).port
  } catch (err) {
    throw new ConnectionProblemError(`cannot listen on ${formatHostPort({host: listen.host, port})}: ${(err as Error).message}`, {cause: err})
  }
  const renewal = scheduleCertRenewal(server, material.renewAt, () => issueTls([]), now, o.logger)
  const diag = config.diagAddr !== undefined ? await startServerDiag(config.diagAddr, o.ready ?? storageReady(config, backend), o.logger) : undefined
  const federation = startFederationSync(backend, o.logger, now)
  const stopAutoRotation = scheduleAutoRotation(() => backend.caRotationStatus(), (err) => o.logger.warn('Automatic CA rotation step failed', {error: (err as Error).message}))
  o.logger.info('Auth and proxy service is ready', {
    cluster: backend.clusterName, listen: server.url(), public_addr: publicAddr, issuer: authority.issuer, ca_pin: pins[0],
  })
  optimizeFromNowOn() // start-up is over (idle-memory.ts)
  return {
    url: server.url(), publicAddr, backend,
    close: async () => {
      clearTimeout(renewal)
      await diag?.close()
      await federation.stop()
      stopAutoRotation()
      await server.close()
      try {
        await authority.flush()
      } finally {
        await backend.close()
      }
    },
  }
}

/** /readyz: the shared database answers (and its change feed is connected), else the data directory is usable. */
function storageReady(config: ServerConfig, backend: LocalBackend): ReadyCheck {
  return config.storage.type === 'postgresql' ? () => backend.ready() : dataDirReady(config.dataDir)
}

function safeMinClientVersion(version: string): string {
  try {
    return minClientVersion(version)
  } catch {
    return '0.0.0'
  }
}

/** Re-issue the cluster-CA server certificate at half-life; the timer does not keep the process alive. */
function scheduleCertRenewal(
  server: HttpServer<ApiCaller>, renewAt: Date | undefined, issue: () => ReturnType<typeof serverTls>, now: () => Date, log: Logger,
): NodeJS.Timeout | undefined {
  if (renewAt === undefined) return undefined
  const delay = Math.max(1000, Math.min(renewAt.getTime() - now().getTime(), 2 ** 31 - 1))
  const timer = setTimeout(() => {
    issue().then((next) => {
      server.setTls(next.tls)
      log.info('Renewed the server certificate')
      scheduleCertRenewal(server, next.renewAt, issue, now, log)
    }, (err: unknown) => log.error('Could not renew the server certificate', {error: err}))
  }, delay)
  timer.unref()
  return timer
}
