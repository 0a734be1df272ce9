/**
 * The thread that runs commands for harness.ts. Commands print through process.stdout, and so does
 * node:test's reporter in the test file's own thread: capturing there would swallow test reports
 * written while a command runs. Here nothing else writes, so @oclif/test's captureOutput sees only
 * the command. Requests come one at a time; the environment is set for each and put back after.
 */
import {Config} from '@oclif/core'
import {captureOutput} from '@oclif/test'
import {parentPort} from 'node:worker_threads'
import {runCli} from '../../src/cli/run.js'

export interface CommandRequest {
  readonly id: number
  readonly bin: string
  readonly args: readonly string[]
  readonly env: Readonly<Record<string, string | undefined>>
  readonly configFile: string
  /** Also return what the command's run() returned (oclif's config.runCommand, without runCli's exit code). */
  readonly data: boolean
}

export interface CommandReply {
  readonly id: number
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly data?: unknown
  readonly crash?: string
}

function setEnv(values: CommandRequest['env']): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
}

/** The oclif root is loaded afresh for each run (runCli says why); it costs milliseconds. */
async function runOne(request: CommandRequest): Promise<CommandReply> {
  const saved = Object.fromEntries(Object.keys(request.env).map((k) => [k, process.env[k]]))
  setEnv(request.env)
  try {
    if (request.data) {
      const [id, ...argv] = request.args
      const config = await Config.load(request.configFile)
      const captured = await captureOutput<unknown>(() => config.runCommand(id!, argv), {stripAnsi: false})
      return {id: request.id, code: captured.error ? -1 : 0, stdout: captured.stdout, stderr: captured.stderr, data: captured.result}
    }
    const captured = await captureOutput<number>(() => runCli(request.bin, request.args, request.configFile), {stripAnsi: false})
    if (captured.error) throw captured.error
    return {id: request.id, code: captured.result ?? -1, stdout: captured.stdout, stderr: captured.stderr}
  } finally {
    setEnv(saved)
    process.exitCode = undefined
  }
}

parentPort!.on('message', (request: CommandRequest) => {
  runOne(request).then(
    (reply) => parentPort!.postMessage(reply),
    (err: unknown) => parentPort!.postMessage({id: request.id, code: -1, stdout: '', stderr: '', crash: err instanceof Error ? err.stack : String(err)}),
  )
})
