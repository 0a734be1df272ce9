/** Shared helpers for bench modules (files starting with `_` are not bench modules). */
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Environment for spawned Node processes: without NODE_EXTRA_CA_CERTS (a fixed ~70 ms of this machine). */
export function benchEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = {...process.env, ...extra}
  delete env.NODE_EXTRA_CA_CERTS
  return env
}

/** Wall time of one whole process, in ms; throws if it fails. */
export function timeProcess(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now()
  const r = spawnSync(cmd, args, {env, stdio: ['ignore', 'ignore', 'pipe']})
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.toString()}`)
  return ms
}

/** Runs `fn` repeatedly for about `ms`, returning operations per second. */
export function opsPerSecond(fn: () => void, ms = 1000): number {
  let n = 0
  const t0 = performance.now()
  let t = t0
  while (t - t0 < ms) {
    for (let i = 0; i < 16; i++) fn()
    n += 16
    t = performance.now()
  }
  return (n * 1000) / (t - t0)
}

/**
 * `clients` loops at once, each awaiting `op(client)` back to back for about `ms`: how many
 * operations completed, and how many per second.
 */
export async function closedLoop(op: (client: number) => Promise<unknown>, clients: number, ms: number): Promise<{done: number; perSec: number}> {
  let done = 0
  const t0 = performance.now()
  const deadline = t0 + ms
  await Promise.all(Array.from({length: clients}, async (_, i) => {
    while (performance.now() < deadline) {
      await op(i)
      done++
    }
  }))
  return {done, perSec: (done * 1000) / (performance.now() - t0)}
}
