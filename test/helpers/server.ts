/**
 * A real server process for tests: `bin/teleport.js start -c teleport.yaml` on 127.0.0.1 with a fresh
 * data directory, and an admin identity file minted from it as `tctl auth sign` does.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {request} from 'node:https'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {signIdentityFile} from '../../src/cli/auth-sign.js'
import {binPath, cliEnv} from './cli.js'

export interface TestServer {
  readonly dir: string
  readonly dataDir: string
  readonly port: number
  /** `https://127.0.0.1:<port>` */
  readonly url: string
  /** `127.0.0.1:<port>`, as `--auth-server` takes it. */
  readonly addr: string
  readonly caPin: string
  /** An admin identity file (`tctl auth sign --user admin`). */
  readonly identityFile: string
  readonly child: ChildProcess
  stderr(): string
  /** SIGTERM, then the exit code; removes the directory. */
  stop(): Promise<number | null>
}

export async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const {port} = probe.address() as {port: number}
  await new Promise((resolve) => probe.close(resolve))
  return port
}

export function serverConfig(dataDir: string, port: number, clusterName: string, extra = '', teleportExtra = ''): string {
  return [
    'version: v3',
    'teleport:',
    `  data_dir: ${dataDir}`,
    ...(teleportExtra ? [teleportExtra] : []),
    'auth_service:',
    '  enabled: yes',
    `  cluster_name: ${clusterName}`,
    'proxy_service:',
    '  enabled: yes',
    `  web_listen_addr: 127.0.0.1:${port}`,
    `  public_addr: 127.0.0.1:${port}`,
    extra,
    'ssh_service:',
    '  enabled: no',
    '',
  ].join('\n')
}

export interface TestServerOptions {
  /** Writes files the config needs into the server's directory; returns extra proxy_service lines. */
  readonly prepare?: (dir: string) => string | Promise<string>
  /** Extra environment for the server process (NODE_EXTRA_CA_CERTS, …). */
  readonly env?: Readonly<Record<string, string>>
  /** `teleport.storage` as YAML lines indented for it (e.g. PostgreSQL); the data directory when absent. */
  readonly storage?: string
}

/** Resolves once the server logs that it is ready (rejects if it exits first). */
export async function startTestServer(clusterName = 'example.teleport.sh', options: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'svidkit-server-'))
  const dataDir = join(dir, 'data')
  const port = await freePort()
  const configFile = join(dir, 'teleport.yaml')
  const storage = options.storage === undefined ? '' : `  storage:\n${options.storage.split('\n').map((l) => '    ' + l).join('\n')}`
  writeFileSync(configFile, serverConfig(dataDir, port, clusterName, options.prepare ? await options.prepare(dir) : '', storage))
  const child = spawn(process.execPath, [binPath('teleport'), 'start', '-c', configFile], {env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe']})
  let stderr = ''
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const ready = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
      const m = /Auth and proxy service is ready .*ca_pin:(sha256:[0-9a-f]{64})/.exec(stderr)
      if (m) resolve(m[1]!)
    })
    void exited.then((code) => reject(new Error(`the server exited (${code}) before it was ready:\n${stderr}`)))
  })
  const identityFile = join(dir, 'admin.pem')
  const where = options.storage === undefined ? {dataDir} : {config: configFile}
  await signIdentityFile({...where, user: 'admin', ttlMs: 3_600_000, out: identityFile, overwrite: false})
  return {
    dir, dataDir, port, url: `https://127.0.0.1:${port}`, addr: `127.0.0.1:${port}`, caPin: ready, identityFile, child,
    stderr: () => stderr,
    async stop() {
      // Once: a second SIGTERM during shutdown ends the server at once (run.ts).
      if (!child.killed && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const code = await exited
      rmSync(dir, {recursive: true, force: true})
      return code
    },
  }
}

/** The server's answer: status and parsed JSON body (undefined when empty). */
export interface ApiReply {
  readonly status: number
  readonly body: unknown
}

export interface ApiCallOptions {
  /** A client certificate and key (PEM), for mutual TLS. */
  readonly identity?: {readonly cert: string; readonly key: string}
  /** Sent as JSON. */
  readonly body?: unknown
  /** Sent as is, instead of `body`. */
  readonly raw?: string | Buffer
  /** Content type of the payload (default application/json). */
  readonly type?: string
}

/** One raw HTTPS request to a test server, trusting `caPem`, on a fresh connection. */
export function callApi(url: string, caPem: string, method: string, path: string, o: ApiCallOptions = {}): Promise<ApiReply> {
  const payload = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body))
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, {
      method, ca: caPem, agent: false, ...(o.identity ?? {}),
      headers: payload === undefined ? {} : {'content-type': o.type ?? 'application/json', 'content-length': Buffer.byteLength(payload)},
    }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => {
        resolve({status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text)})
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}
