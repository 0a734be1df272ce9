/**
 * An HA cluster for end-to-end tests: one PostgreSQL (test/helpers/postgres.ts), N real
 * `teleport start` replicas on it, and a real HAProxy (Debian's) in TCP mode in front, with health
 * checks, so TLS runs end to end between clients and replicas. Every replica advertises the
 * balancer's address, so the JWT-SVID issuer and the server certificate names are the same on all.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {binPath, cliEnv} from '../helpers/cli.js'
import {freePort, startTestPostgres, type TestPostgres} from '../helpers/postgres.js'

export const HA_CLUSTER = 'ha.example.com'
export const HAPROXY = process.env.SVIDKIT_HAPROXY ?? '/usr/sbin/haproxy'

export interface Replica {
  readonly index: number
  readonly port: number
  readonly url: string
  readonly configFile: string
  child: ChildProcess
  stderr: string
}

export interface HaCluster {
  readonly dir: string
  readonly pg: TestPostgres
  readonly dbUrl: string
  readonly replicas: Replica[]
  /** The balancer's host:port and URL. */
  readonly addr: string
  readonly url: string
  readonly caPin: string
  /** `tctl -c replica1.yaml auth sign --user admin`. */
  readonly identityFile: string
  /** Start (again) replica `i`; resolves when it is ready. */
  startReplica(i: number): Promise<void>
  close(): Promise<void>
}

export function replicaConfig(dataDir: string, port: number, lbPort: number, storage: string): string {
  return [
    'version: v3',
    'teleport:',
    `  data_dir: ${dataDir}`,
    '  storage:',
    ...storage.split('\n').map((l) => '    ' + l),
    'auth_service:',
    '  enabled: yes',
    `  cluster_name: ${HA_CLUSTER}`,
    'proxy_service:',
    '  enabled: yes',
    `  web_listen_addr: 127.0.0.1:${port}`,
    `  public_addr: 127.0.0.1:${lbPort}`,
    'ssh_service:',
    '  enabled: no',
    '',
  ].join('\n')
}

function haproxyConfig(lbPort: number, ports: readonly number[]): string {
  return [
    'global', '  maxconn 2000',
    'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 60s', '  timeout server 60s',
    // A connection refused by a dead replica is retried on another one (redispatch).
    '  retries 3', '  option redispatch',
    'frontend fe', `  bind 127.0.0.1:${lbPort}`, '  default_backend replicas',
    'backend replicas', '  balance roundrobin',
    ...ports.map((p, i) => `  server r${i + 1} 127.0.0.1:${p} check inter 300 fall 1 rise 1`),
    '',
  ].join('\n')
}

/** Resolves with the CA pin once the server logs ready; rejects if it exits first. */
export function waitReady(child: ChildProcess, onData: (d: string) => void = () => undefined): Promise<string> {
  let text = ''
  return new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      text += d
      onData(d)
      const m = /Auth and proxy service is ready .*ca_pin:(sha256:[0-9a-f]{64})/.exec(text)
      if (m) resolve(m[1]!)
    })
    child.on('close', (code) => reject(new Error(`teleport exited (${code}) before it was ready:\n${text}`)))
  })
}

export async function startHaCluster(count = 3, o: {durable?: boolean} = {}): Promise<HaCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'svidkit-ha-'))
  const pg = await startTestPostgres(o)
  const dbUrl = await pg.createDatabase('svidkit_ha')
  const auditUrl = await pg.createDatabase('svidkit_ha_audit')
  const lbPort = await freePort()
  const ports = await Promise.all(Array.from({length: count}, () => freePort()))
  const storage = `type: postgresql\nconn_string: ${dbUrl}\naudit_events_uri: ['${auditUrl}']`
  const replicas: Replica[] = ports.map((port, index) => {
    const rdir = join(dir, `replica${index + 1}`)
    mkdirSync(rdir)
    const configFile = join(rdir, 'teleport.yaml')
    writeFileSync(configFile, replicaConfig(join(rdir, 'data'), port, lbPort, storage))
    return {index, port, url: `https://127.0.0.1:${port}`, configFile, child: undefined as unknown as ChildProcess, stderr: ''}
  })
  const startReplica = async (i: number): Promise<string> => {
    const r = replicas[i]!
    r.stderr = ''
    r.child = spawn(process.execPath, [binPath('teleport'), 'start', '-c', r.configFile], {env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe']})
    return waitReady(r.child, (d) => (r.stderr += d))
  }
  const pins = await Promise.all(replicas.map((_, i) => startReplica(i)))
  const haCfg = join(dir, 'haproxy.cfg')
  writeFileSync(haCfg, haproxyConfig(lbPort, ports))
  execFileSync(HAPROXY, ['-c', '-q', '-f', haCfg])
  const haproxy = spawn(HAPROXY, ['-db', '-f', haCfg], {stdio: 'ignore'})
  const identityFile = join(dir, 'admin.pem')
  execFileSync(process.execPath, [binPath('tctl'), '-c', replicas[0]!.configFile, 'auth', 'sign', '--user', 'admin', '--out', identityFile], {env: cliEnv()})
  await waitForPort(lbPort)
  return {
    dir, pg, dbUrl, replicas, addr: `127.0.0.1:${lbPort}`, url: `https://127.0.0.1:${lbPort}`, caPin: pins[0]!, identityFile,
    startReplica: async (i) => void (await startReplica(i)),
    close: async () => {
      haproxy.kill('SIGKILL')
      await Promise.all(replicas.map((r) => stopChild(r.child)))
      await pg.close()
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const closed = new Promise((resolve) => child.once('close', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await closed
  clearTimeout(timer)
}

async function waitForPort(port: number): Promise<void> {
  const {connect} = await import('node:net')
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy()
        resolve(true)
      }).on('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`HAProxy did not listen on ${port}`)
}
