/** Spawn the real built binaries (bin/*.js → dist), as a user would. */
import {spawn, spawnSync, type SpawnOptions} from 'node:child_process'
import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** The repository root (holding bin/), whether this file runs from dist/test/helpers or test/helpers (tsx). */
export const REPO = findRepo(dirname(fileURLToPath(import.meta.url)))

function findRepo(dir: string): string {
  while (!existsSync(join(dir, 'bin', 'tctl.js'))) {
    if (dirname(dir) === dir) throw new Error('repository root not found')
    dir = dirname(dir)
  }
  return dir + '/'
}

export function binPath(bin: 'tctl' | 'tbot' | 'teleport'): string {
  return `${REPO}bin/${bin}.js`
}

export interface RunResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1', ...extra}
  // Inherited ones would change what the binaries trust and dial; a test sets them explicitly.
  if (extra.NODE_EXTRA_CA_CERTS === undefined) delete env.NODE_EXTRA_CA_CERTS
  if (extra.SPIFFE_ENDPOINT_SOCKET === undefined) delete env.SPIFFE_ENDPOINT_SOCKET
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k]
  return env
}

/** Run a binary to completion. */
export function run(bin: 'tctl' | 'tbot' | 'teleport', args: readonly string[], options: {env?: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string} = {}): RunResult {
  const r = spawnSync(process.execPath, [binPath(bin), ...args], {
    env: options.env ?? cliEnv(), input: options.input, cwd: options.cwd, encoding: 'utf8', timeout: 60_000,
  })
  return {code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr}
}

/** Start a binary without waiting; resolves with its result when it exits. */
export function start(bin: 'tctl' | 'tbot' | 'teleport', args: readonly string[], options: SpawnOptions = {}) {
  const child = spawn(process.execPath, [binPath(bin), ...args], {env: cliEnv(), ...options, stdio: ['pipe', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const done = new Promise<RunResult>((resolve) => child.on('exit', (code, signal) => resolve({code, signal, stdout, stderr})))
  return {child, done, output: () => ({stdout, stderr})}
}
