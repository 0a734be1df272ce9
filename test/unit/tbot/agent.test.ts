import assert from 'node:assert/strict'
import {X509Certificate} from 'node:crypto'
import {EventEmitter} from 'node:events'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {AccessDeniedError, ConnectionProblemError} from '../../../src/lib/errors.js'
import {createLogger} from '../../../src/lib/log.js'
import {runAgent, sameConnection, type AgentDeps, type RunningService, type WorkloadApiStartContext} from '../../../src/lib/tbot/agent.js'
import {ManualClock} from '../../../src/lib/tbot/clock.js'
import {parseTbotConfig} from '../../../src/lib/tbot/config/load.js'
import type {DestinationConfig, TbotConfig} from '../../../src/lib/tbot/config/types.js'
import {MemoryDestination, type Artifact, type Destination} from '../../../src/lib/tbot/destination.js'
import type {ConnectTbot} from '../../../src/lib/tbot/connect.js'
import {FakeSession} from './fake-session.js'
import {makeTrustDomainCa, type TrustDomainCa} from '../../helpers/pki.js'

let root = ''
let ca: TrustDomainCa
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tbot-agent-'))
  ca = await makeTrustDomainCa()
})
after(async () => { await rm(root, {recursive: true, force: true}) })

let dirCount = 0
const freshDir = () => join(root, `out-${++dirCount}`)

function configYaml(services: string, extra = ''): string {
  return `version: v2
proxy_server: example.teleport.sh:443
onboarding: {join_method: token, token: tok}
storage: {type: memory}
${extra}services:
${services}`
}
const x509Service = (dir: string, extra = '') => `- {type: workload-identity-x509, destination: {type: directory, path: ${dir}}, selector: {name: foo}${extra}}\n`
const jwtService = (dir: string) => `- {type: workload-identity-jwt, audiences: [sts.amazonaws.com], destination: {type: directory, path: ${dir}}, selector: {name: foo}}\n`

interface Harness {
  clock: ManualClock
  signals: EventEmitter
  lines: string[]
  sessions: FakeSession[]
  deps: AgentDeps
}

function harness(overrides: Partial<AgentDeps> = {}): Harness {
  const clock = new ManualClock()
  const signals = new EventEmitter()
  const lines: string[] = []
  const sessions: FakeSession[] = []
  const connect: ConnectTbot = async () => {
    const session = new FakeSession(ca, undefined, () => clock.now())
    sessions.push(session)
    return session
  }
  const deps: AgentDeps = {
    connect,
    log: createLogger({component: 'tbot', level: 'debug', write: (l) => lines.push(l), now: () => clock.now()}),
    clock,
    random: () => 0.5,
    signals,
    ...overrides,
  }
  return {clock, signals, lines, sessions, deps}
}

const read = (dir: string, name: string) => readFile(join(dir, name), 'utf8')

/** Wait (in real time, briefly) until the condition holds: for events with no clock to wait on. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 5000 && !condition(); i++) await new Promise((r) => setTimeout(r, 1))
  assert.ok(condition(), 'condition never held')
}

describe('runAgent: oneshot', () => {
  it('generates every output once, skips the Workload API, closes the session and returns', async () => {
    const xDir = freshDir()
    const jDir = freshDir()
    const config = await parseTbotConfig(configYaml(
      x509Service(xDir) + jwtService(jDir) + '- {type: workload-identity-api, listen: "unix:///tmp/x.sock", selector: {name: foo}}\n',
      'oneshot: true\n',
    ))
    let apiStarted = 0
    const h = harness({startWorkloadApi: async () => { apiStarted++; return {close: async () => {}} }})
    await runAgent(config, h.deps)
    const cert = new X509Certificate(await read(xDir, 'svid.pem'))
    assert.equal(cert.subjectAltName, 'URI:spiffe://example.teleport.sh/svc/foo')
    assert.match(await read(jDir, 'jwt_svid'), /^ey/)
    assert.equal(apiStarted, 0)
    assert.equal(h.sessions[0]!.closed, true)
    assert.ok(h.lines.some((l) => l.includes('Service does not run in oneshot mode, skipping service:workload-identity-api-1')))
    assert.equal(h.signals.listenerCount('SIGTERM'), 0, 'signal handlers removed')
  })

  it('fails with the first failure, naming the service, and keeps the error code', async () => {
    const config = await parseTbotConfig(configYaml(x509Service(freshDir()) + jwtService(freshDir()), 'oneshot: true\n'))
    const h = harness()
    const connect: ConnectTbot = async (c, d) => {
      const s = (await h.deps.connect(c, d)) as FakeSession
      s.overrides.x509 = async () => []
      return s
    }
    await assert.rejects(runAgent(config, {...h.deps, connect}), (err: unknown) => {
      assert.ok(err instanceof Error)
      assert.equal(err.message, 'workload-identity-x509-1: no X509 SVIDs returned')
      assert.equal((err as {code?: string}).code, 'BAD_PARAMETER')
      return true
    })
    assert.equal(h.sessions[0]!.jwtRequests.length, 0, 'stops at the first failure')
    assert.equal(h.sessions[0]!.closed, true)
  })

  it('a failed connect is the agent failing', async () => {
    const config = await parseTbotConfig(configYaml(x509Service(freshDir()), 'oneshot: true\n'))
    const h = harness({connect: async () => { throw new ConnectionProblemError('failed to connect to example.teleport.sh:443') }})
    await assert.rejects(runAgent(config, h.deps), {message: 'failed to connect to example.teleport.sh:443'})
    assert.equal(h.signals.listenerCount('SIGHUP'), 0)
  })
})

describe('runAgent: long-running', () => {
  it('renews outputs every renewal_interval, renews the bot identity, and stops on SIGTERM', async () => {
    const dir = freshDir()
    const config = await parseTbotConfig(configYaml(x509Service(dir)))
    const h = harness()
    const done = runAgent(config, h.deps)
    await h.clock.whenSleeping(3) // identity, the output, the bundle poller
    const session = h.sessions[0]!
    assert.equal(session.x509Requests.length, 1)
    const first = await read(dir, 'svid.pem')
    await h.clock.advance(20 * 60_000)
    await h.clock.whenSleeping(3)
    assert.equal(session.x509Requests.length, 2)
    assert.equal(session.renewals, 1)
    assert.notEqual(await read(dir, 'svid.pem'), first)
    h.signals.emit('SIGTERM')
    await done
    assert.equal(session.closed, true)
    assert.ok(h.lines.some((l) => l.includes('Received signal, shutting down after the work in flight signal:SIGTERM')))
    assert.ok(h.lines.some((l) => l.includes('Renewed bot identity service:identity')))
    assert.equal(h.signals.listenerCount('SIGTERM'), 0)
  })

  it('onSettled: called once, when every output has made its first attempt (written or failed)', async () => {
    let release!: () => void
    const released = new Promise<void>((r) => { release = r })
    const memory = new MemoryDestination()
    const gated: Destination = {
      description: 'memory://gated', init: async () => {}, read: (name) => memory.read(name),
      write: async (artifacts: readonly Artifact[]) => { await released; await memory.write(artifacts) },
    }
    const failing: Destination = {description: 'memory://failing', init: async () => { throw new Error('no disk') }, read: async () => undefined, write: async () => {}}
    const config = await parseTbotConfig(configYaml(x509Service(freshDir()) + jwtService(freshDir())))
    let settled = 0
    const destinations = [gated, failing] // the X.509 output's, then the JWT output's
    const h = harness({openDestination: () => destinations.shift()!, onSettled: () => { settled++ }})
    const done = runAgent(config, h.deps)
    await until(() => h.lines.some((l) => l.includes('no disk')))
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(settled, 0, 'the gated output has not finished its first attempt')
    release()
    await until(() => settled === 1)
    h.signals.emit('SIGTERM')
    await done
    assert.equal(settled, 1)
  })

  it('SIGTERM during a write: the write finishes, then the agent returns', async () => {
    let release!: () => void
    const released = new Promise<void>((r) => { release = r })
    let writeStarted!: () => void
    const started = new Promise<void>((r) => { writeStarted = r })
    const memory = new MemoryDestination()
    const slow: Destination = {
      description: 'memory://slow',
      init: async () => {},
      read: (name) => memory.read(name),
      write: async (artifacts: readonly Artifact[]) => {
        writeStarted()
        await released
        await memory.write(artifacts)
      },
    }
    const config = await parseTbotConfig(configYaml(x509Service(freshDir())))
    const h = harness({openDestination: (_: DestinationConfig) => slow})
    let finished = false
    const done = runAgent(config, h.deps).then(() => { finished = true })
    await started
    h.signals.emit('SIGINT')
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(finished, false, 'waits for the write in flight')
    release()
    await done
    assert.deepEqual(memory.names(), ['svid_key.pem', 'svid.pem', 'svid_bundle.pem'])
    assert.equal(h.sessions[0]!.x509Requests.length, 1)
  })

  it('re-renders X.509 outputs when the trust bundle changes', async () => {
    const dir = freshDir()
    const other = await makeTrustDomainCa('partner.example.com')
    const config = await parseTbotConfig(configYaml(x509Service(dir, ', include_federated_trust_bundles: true')))
    const h = harness({bundlePollIntervalMs: 60_000})
    const done = runAgent(config, h.deps)
    await h.clock.whenSleeping(3)
    const session = h.sessions[0]!
    await h.clock.advance(60_000)
    await h.clock.whenSleeping(3)
    assert.equal(session.x509Requests.length, 1, 'no change, no re-render')
    session.federated = [{trustDomain: 'partner.example.com', x509Pem: other.certPem, jwtKeys: []}]
    await h.clock.advance(60_000)
    await h.clock.whenSleeping(3)
    assert.equal(session.x509Requests.length, 2)
    assert.equal(await read(dir, 'svid_bundle.pem'), ca.certPem + other.certPem)
    assert.ok(h.lines.some((l) => l.includes('Trust bundle changed, re-rendering output')))
    h.signals.emit('SIGTERM')
    await done
  })

  it('keeps retrying a failing output with backoff without stopping the agent', async () => {
    const config = await parseTbotConfig(configYaml(x509Service(freshDir())))
    const h = harness()
    let failures = 0
    const connect: ConnectTbot = async (c, d) => {
      const s = (await h.deps.connect(c, d)) as FakeSession
      s.overrides.x509 = async (req) => {
        if (failures++ < 2) throw new ConnectionProblemError('auth server unreachable')
        return [await s.x509Credential(req.publicKeyDer, s.spiffeId, 'foo', req.ttlMs)]
      }
      return s
    }
    const done = runAgent(config, {...h.deps, connect})
    await h.clock.whenSleeping(3)
    await h.clock.advance(750)
    await h.clock.whenSleeping(3)
    await h.clock.advance(1500)
    await h.clock.whenSleeping(3)
    assert.equal(h.sessions[0]!.x509Requests.length, 3)
    assert.equal(h.lines.filter((l) => l.includes('WARN') && l.includes('auth server unreachable')).length, 2)
    h.signals.emit('SIGTERM')
    await done
  })

  it('renews the bot identity before each retry, so a role granted meanwhile applies at the next attempt', async () => {
    const config = await parseTbotConfig(configYaml(x509Service(freshDir())))
    const h = harness()
    let granted = false
    const renewalsSeen: number[] = []
    const connect: ConnectTbot = async (c, d) => {
      const s = (await h.deps.connect(c, d)) as FakeSession
      s.overrides.x509 = async (req) => {
        renewalsSeen.push(s.renewals)
        // The role arrives with the identity renewed after the first refusal.
        if (!granted) {
          granted = true
          throw new AccessDeniedError('access denied to perform action "list" on "workload_identity"')
        }
        return [await s.x509Credential(req.publicKeyDer, s.spiffeId, 'foo', req.ttlMs)]
      }
      return s
    }
    const done = runAgent(config, {...h.deps, connect})
    await h.clock.whenSleeping(3)
    await h.clock.advance(1000)
    await h.clock.whenSleeping(3)
    assert.deepEqual(renewalsSeen, [0, 1], 'the retry came after one renewal')
    await h.clock.advance(20 * 60_000)
    await h.clock.whenSleeping(3)
    assert.equal(renewalsSeen.at(-1), 2, 'after a success only the identity loop renews')
    h.signals.emit('SIGTERM')
    await done
  })

  it('starts the Workload API through the factory and closes it with a grace period', async () => {
    const config = await parseTbotConfig(configYaml('- {type: workload-identity-api, listen: "unix:///tmp/wl.sock", selector: {name: foo}}\n'))
    const started: WorkloadApiStartContext[] = []
    const closed: number[] = []
    const h = harness({
      shutdownGraceMs: 1234,
      startWorkloadApi: async (ctx): Promise<RunningService> => {
        started.push(ctx)
        return {close: async (grace) => { closed.push(grace) }}
      },
    })
    const done = runAgent(config, h.deps)
    await h.clock.whenSleeping(1)
    await until(() => started.length === 1)
    assert.equal(started[0]!.config.listen, 'unix:///tmp/wl.sock')
    assert.equal(started[0]!.session, h.sessions[0])
    h.signals.emit('SIGTERM')
    await done
    assert.deepEqual(closed, [1234])
    assert.equal(started[0]!.signal.aborted, true)
  })

  it('refuses to run a Workload API service without a server factory', async () => {
    const config = await parseTbotConfig(configYaml('- {type: workload-identity-api, listen: "unix:///tmp/wl.sock", selector: {name: foo}}\n'))
    const h = harness()
    await assert.rejects(runAgent(config, h.deps), {message: 'services[0]: the workload-identity-api service is not available in this build'})
    assert.equal(h.sessions[0]!.closed, true)
  })

  it('deps.stop ends the agent like SIGTERM, and config warnings are logged at ERROR', async () => {
    const dir = freshDir()
    const config = await parseTbotConfig(configYaml(x509Service(dir) + x509Service(dir).replace('name: foo', 'name: bar')))
    const stop = new AbortController()
    const h = harness({stop: stop.signal})
    const done = runAgent(config, h.deps)
    await h.clock.whenSleeping(4)
    stop.abort()
    await done
    assert.ok(h.lines.some((l) => / ERRO .*identical destination file:\/\/.* used by services\[0\], services\[1\]/.test(l)))
  })
})

describe('runAgent: SIGHUP reloads', () => {
  it('applies a new config, keeps the session when the connection is unchanged, survives a broken config', async () => {
    const xDir = freshDir()
    const jDir = freshDir()
    const first = await parseTbotConfig(configYaml(x509Service(xDir)))
    const second = await parseTbotConfig(configYaml(x509Service(xDir) + jwtService(jDir)))
    let loads = 0
    const h = harness({
      loadConfig: async () => {
        if (++loads === 2) throw new Error('tbot.yaml: services[1].audiences: must have at least one value')
        return second
      },
    })
    const done = runAgent(first, h.deps)
    await h.clock.whenSleeping(3)
    h.signals.emit('SIGHUP')
    await h.clock.whenSleeping(4)
    await until(() => h.sessions[0]!.jwtRequests.length === 1)
    assert.match(await read(jDir, 'jwt_svid'), /^ey/)
    assert.equal(h.sessions.length, 1, 'same session')
    assert.equal(h.sessions[0]!.closed, false)
    h.signals.emit('SIGHUP')
    await until(() => h.lines.some((l) => l.includes('Failed to reload configuration, keeping the current one error:[tbot.yaml: services[1].audiences: must have at least one value]')))
    await h.clock.whenSleeping(4)
    h.signals.emit('SIGTERM')
    await done
    assert.equal(h.sessions[0]!.closed, true)
  })

  it('connects anew when the connection settings change, then closes the old session', async () => {
    const first = await parseTbotConfig(configYaml(x509Service(freshDir())))
    const second = await parseTbotConfig(configYaml(x509Service(freshDir())).replace('example.teleport.sh:443', 'other.example.com:443'))
    assert.equal(sameConnection(first, second), false)
    const h = harness({loadConfig: async () => second})
    const done = runAgent(first, h.deps)
    await h.clock.whenSleeping(3)
    h.signals.emit('SIGHUP')
    await until(() => h.sessions.length === 2)
    await h.clock.whenSleeping(3)
    assert.equal(h.sessions[0]!.closed, true)
    assert.equal(h.sessions[1]!.closed, false)
    h.signals.emit('SIGTERM')
    await done
    assert.equal(h.sessions[1]!.closed, true)
  })

  it('without loadConfig, SIGHUP is logged and ignored', async () => {
    const config: TbotConfig = await parseTbotConfig(configYaml(x509Service(freshDir())))
    const h = harness()
    const done = runAgent(config, h.deps)
    await h.clock.whenSleeping(3)
    h.signals.emit('SIGHUP')
    await until(() => h.lines.some((l) => l.includes('Received SIGHUP but configuration reload is not available; ignoring')))
    h.signals.emit('SIGTERM')
    await done
  })
})
