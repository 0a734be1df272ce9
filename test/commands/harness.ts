/**
 * Commands run in this process, through the same entry the binaries use (runCli in src/cli/run.ts:
 * global flags hoisted, oclif's parser, the base command's rendering and error policy, the exit
 * code), with stdout and stderr captured: no process per case, the module graph loads once per test
 * file. They run on one worker thread (worker.ts says why), one command at a time.
 */
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {Worker} from 'node:worker_threads'
import {REPO} from '../helpers/cli.js'
import {tempDir} from '../helpers/tmp.js'
import type {CommandReply, CommandRequest} from './worker.js'

export type Bin = 'tctl' | 'tbot' | 'teleport'

export interface CommandResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export type Env = Readonly<Record<string, string | undefined>>

/** What the environment of a run starts from: no colour, no server or socket from the developer's shell. */
const BASE_ENV: Env = {
  NO_COLOR: '1', FORCE_COLOR: undefined, TELEPORT_AUTH_SERVER: undefined, TELEPORT_IDENTITY_FILE: undefined,
  SPIFFE_ENDPOINT_SOCKET: undefined, SVIDKIT_DATA_DIR: undefined,
}

let worker: Worker | undefined
let nextId = 0
const pending = new Map<number, (reply: CommandReply) => void>()
let queue: Promise<unknown> = Promise.resolve()

function commandThread(): Worker {
  if (worker === undefined) {
    worker = new Worker(new URL('./worker.js', import.meta.url))
    worker.on('message', (reply: CommandReply) => pending.get(reply.id)?.(reply))
    worker.on('error', (err) => {
      for (const resolve of pending.values()) resolve({id: -1, code: -1, stdout: '', stderr: '', crash: err.stack ?? String(err)})
    })
    worker.unref()
  }
  return worker
}

function send(request: Omit<CommandRequest, 'id'>): Promise<CommandReply> {
  // One at a time: a command owns the thread's stdout and environment while it runs.
  const run = queue.then(() => new Promise<CommandReply>((resolve) => {
    const id = nextId++
    const thread = commandThread()
    thread.ref()
    pending.set(id, (reply) => {
      pending.delete(id)
      if (pending.size === 0) thread.unref()
      resolve(reply)
    })
    thread.postMessage({...request, id})
  }))
  queue = run.catch(() => undefined)
  return run.then((reply) => {
    if (reply.crash !== undefined) throw new Error(`the command thread failed: ${reply.crash}`)
    return reply
  })
}

/** The unbundled oclif root (scripts/build.mjs): commands share their modules with this thread's imports. */
function configFile(bin: Bin): string {
  return join(REPO, 'dist', 'roots', bin, 'package.json')
}

/** Run `bin args...` to its exit code, as the binary would, capturing what it prints. */
export async function runCommand(bin: Bin, args: readonly string[], env: Env = {}): Promise<CommandResult> {
  const {code, stdout, stderr} = await send({bin, args, env: {...BASE_ENV, ...env}, configFile: configFile(bin), data: false})
  return {code, stdout, stderr}
}

/** Run a command by id through oclif (no exit-code mapping) and get back what its run() returned, with its output. */
export async function runForData(bin: Bin, args: readonly string[], env: Env = {}): Promise<CommandResult & {data: unknown}> {
  const {code, stdout, stderr, data} = await send({bin, args, env: {...BASE_ENV, ...env}, configFile: configFile(bin), data: true})
  return {code, stdout, stderr, data}
}

export interface LocalCluster {
  readonly dir: string
  readonly dataDir: string
  readonly env: Env
  tctl(...args: string[]): Promise<CommandResult>
  /** Runs tctl and requires exit 0; returns stdout. */
  ok(...args: string[]): Promise<string>
}

/**
 * A fresh data directory holding the cluster example.teleport.sh, and tctl bound to it. In a `before`
 * hook pass `dir` (a tempDir() made in the describe body): tempDir() called inside a hook is removed
 * when the hook ends.
 */
export async function localCluster(clusterName = 'example.teleport.sh', dir = tempDir()): Promise<LocalCluster> {
  const dataDir = join(dir, 'data')
  const env = {SVIDKIT_DATA_DIR: dataDir}
  const tctl = (...args: string[]) => runCommand('tctl', args, env)
  const ok = async (...args: string[]) => {
    const r = await tctl(...args)
    assert.equal(r.code, 0, `tctl ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  await ok('init', '--cluster-name', clusterName)
  return {dir, dataDir, env, tctl, ok}
}

export const SEEDS = join(REPO, 'test/fixtures/seeds')

export const WI = (name: string, id = `/svc/${name}`): string =>
  `kind: workload_identity\nversion: v1\nmetadata:\n  name: ${name}\n  labels:\n    example: getting-started\nspec:\n  spiffe:\n    id: ${id}\n`
