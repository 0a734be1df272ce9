/**
 * A local-backend cluster for tbot's end-to-end tests: a temporary data directory made with the real
 * `tctl`, the seed resources, and async runners for the real `tctl` and `tbot` binaries (async, so
 * several tests and long-running tbot processes can proceed side by side).
 */
import assert from 'node:assert/strict'
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, promises as fs, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parse, stringify} from 'yaml'
import {binPath, cliEnv, REPO, type RunResult} from '../helpers/cli.js'

export const SEEDS = join(REPO, 'test/fixtures/seeds')
export const TRUST_DOMAIN = 'example.teleport.sh'

/** A running binary: its output so far, and its result once it has exited and its pipes closed. */
export interface Running {
  readonly child: ChildProcess
  readonly done: Promise<RunResult>
  stderr(): string
  stdout(): string
}

export function spawnBin(bin: 'tctl' | 'tbot', args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Running {
  return spawnNode([binPath(bin), ...args], env, cwd)
}

/** `node ARGS…` with piped output. */
export function spawnNode(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Running {
  const child = spawn(process.execPath, args, {env, cwd, stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
  // 'close', not 'exit': every byte of both pipes has been read by then.
  const done = new Promise<RunResult>((resolve) => child.on('close', (code, signal) => resolve({code, signal, stdout: out, stderr: err})))
  return {child, done, stderr: () => err, stdout: () => out}
}

export interface Cluster {
  readonly dir: string
  readonly dataDir: string
  readonly env: NodeJS.ProcessEnv
  tctl(...args: string[]): Promise<RunResult>
  tbot(...args: string[]): Promise<RunResult>
  /** A long-running tbot. */
  startTbot(...args: string[]): Running
  /** `tctl bots add NAME --format json` → the join token. */
  addBot(name: string, ...flags: string[]): Promise<string>
  /** Kill any tbot still running (a failed test), remove the directory (call from after()). */
  remove(): void
}

/** `tctl init` in a fresh directory, then the seeds' workload identities and roles. */
export async function makeCluster(): Promise<Cluster> {
  // Not tempDir(): this runs in a before() hook, where an after() registered inside would run at once.
  const dir = mkdtempSync(join(tmpdir(), 'svidkit-tbot-e2e-'))
  const dataDir = join(dir, 'data')
  const env = cliEnv({SVIDKIT_DATA_DIR: dataDir})
  const runBin = (bin: 'tctl' | 'tbot', args: string[]) => spawnBin(bin, args, env, dir).done
  const tctl = async (...args: string[]) => runBin('tctl', args)
  const ok = async (...args: string[]) => {
    const r = await tctl(...args)
    assert.equal(r.code, 0, `tctl ${args.join(' ')}: ${r.stderr}`)
    return r
  }
  const started: Running[] = []
  await ok('init', '--cluster-name', TRUST_DOMAIN)
  await ok('create', '-f', join(SEEDS, 'aws-workload-identity.yaml'))
  await ok('create', '-f', join(SEEDS, 'aws-role.yaml'))
  await fs.writeFile(join(dir, 'payments-processor.yaml'), overviewIdentityForFiles())
  await ok('create', '-f', join(dir, 'payments-processor.yaml'))
  await ok('create', '-f', join(SEEDS, 'overview-role.yaml'))
  return {
    dir, dataDir, env, tctl,
    remove() {
      for (const {child} of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      rmSync(dir, {recursive: true, force: true})
    },
    tbot: async (...args) => runBin('tbot', args),
    startTbot(...args) {
      const running = spawnBin('tbot', args, env, dir)
      started.push(running)
      return running
    },
    async addBot(name, ...flags) {
      const r = await ok('bots', 'add', name, '--format', 'json', ...flags)
      const token: unknown = (JSON.parse(r.stdout) as {token_id?: unknown}).token_id
      assert.ok(typeof token === 'string' && /^[0-9a-f]{32}$/.test(token), r.stdout)
      return token
    },
  }
}

/**
 * The overview seed's workload identity without its `rules`: those allow only a workload with unix
 * uid 1000 or gid 2000, which only the Workload API can attest; a file output has no workload
 * attributes, so with the rules every issuance fails "no matching rule found" (as in Teleport).
 */
export function overviewIdentityForFiles(): string {
  const doc = parse(readFileSync(join(SEEDS, 'overview-workload-identity.yaml'), 'utf8')) as {spec: Record<string, unknown>}
  assert.ok(doc.spec.rules !== undefined, 'the seed has rules')
  delete doc.spec.rules
  return stringify(doc)
}

/** Poll until `check` returns a value (not undefined), or fail naming `what` and showing `context()`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, context: () => string = () => '', timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\n${context()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export async function exists(path: string): Promise<boolean> {
  return fs.access(path).then(() => true, () => false)
}

export async function modeOf(path: string): Promise<number> {
  return (await fs.stat(path)).mode & 0o777
}

export function openssl(args: readonly string[], input?: string | Buffer): string {
  return execFileSync('openssl', args, {input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe']})
}

/** Neither a join token nor private key material nor a JWT ever reaches the logs. */
export function assertNoSecrets(stderr: string, secrets: readonly string[] = []): void {
  assert.doesNotMatch(stderr, /PRIVATE KEY/)
  assert.doesNotMatch(stderr, /eyJ[\w-]+\.eyJ[\w-]+\./, 'a JWT in the logs')
  for (const secret of secrets) assert.ok(!stderr.includes(secret), `a secret in the logs:\n${stderr}`)
}

/** The log lines of a text-format run (everything but the final `ERROR:` line). */
export function logLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('ERROR: '))
}
