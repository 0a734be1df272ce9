/**
 * tbot's memory at rest (issue: operability): the real binary with one output of each kind (X.509
 * and JWT SVIDs on disk) and a Workload API, idle after its first outputs, its RSS read from
 * /proc/<pid>/status; beside it an empty Node process measured the same way. Goal: at most 60 MB.
 * The same process is read again after a longer idle (tbot_idle_rss_later_mb): what it settles at,
 * once its start-up settings (lib/idle-memory.ts) have long been lifted and its timers have run.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {BenchFigure} from './types.js'
import {ROOT, benchEnv, median} from './_util.js'

const ROUNDS = 3
const SETTLE_MS = 3000
const LATER_MS = 12_000
const LIMIT_MB = 60

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN)
  return kb / 1024
}

function tctl(args: readonly string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/tctl.js'), ...args], {env, encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`tctl ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

const RESOURCES = `kind: workload_identity
version: v1
metadata: {name: rss-bench, labels: {team: bench}}
spec:
  spiffe: {id: /svc/rss-bench}
---
kind: role
version: v6
metadata: {name: rss-bench-issuer}
spec:
  allow:
    workload_identity_labels: {team: [bench]}
    rules: [{resources: [workload_identity], verbs: [list, read]}]
`

function tbotConfig(dir: string, token: string): string {
  const selector = '    selector: {name: rss-bench}'
  return [
    'version: v2', `onboarding: {join_method: token, token: ${token}}`, 'storage: {type: memory}', 'services:',
    '  - type: workload-identity-x509', `    destination: {type: directory, path: ${join(dir, 'x509')}}`, selector,
    '  - type: workload-identity-jwt', `    destination: {type: directory, path: ${join(dir, 'jwt')}}`, selector, '    audiences: [bench]',
    '  - type: workload-identity-api', `    listen: unix://${join(dir, 'workload.sock')}`, selector, '',
  ].join('\n')
}

/** Resolves once every line in `marks` has appeared on the child's stderr. */
function waitForLog(child: ChildProcess, marks: readonly string[]): Promise<void> {
  let seen = ''
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      seen += d
      if (marks.every((m) => seen.includes(m))) resolve()
    })
    child.once('exit', (code) => reject(new Error(`tbot exited (${code}) before it was idle:\n${seen}`)))
  })
}

/** RSS `SETTLE_MS` after the marks, and (with `laterMs`) again that long after them. */
async function idleRss(args: readonly string[], env: NodeJS.ProcessEnv, marks: readonly string[], laterMs?: number): Promise<{settled: number; later: number}> {
  const child = spawn(process.execPath, args, {env, stdio: ['ignore', 'ignore', 'pipe']})
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  try {
    await waitForLog(child, marks)
    await sleep(SETTLE_MS)
    const settled = rssMb(child.pid!)
    if (laterMs === undefined) return {settled, later: settled}
    await sleep(laterMs - SETTLE_MS)
    return {settled, later: rssMb(child.pid!)}
  } finally {
    child.kill('SIGKILL')
  }
}

export async function bench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'svidkit-bench-rss-'))
  try {
    const env = benchEnv({SVIDKIT_DATA_DIR: join(dir, 'data'), NO_COLOR: '1'})
    tctl(['init', '--cluster-name', 'bench.example'], env)
    writeFileSync(join(dir, 'resources.yaml'), RESOURCES)
    tctl(['create', join(dir, 'resources.yaml')], env)
    const tbot: number[] = []
    const tbotLater: number[] = []
    const empty: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const token = (JSON.parse(tctl(['bots', 'add', `rss-${i}`, '--roles', 'rss-bench-issuer', '--format', 'json'], env)) as {token_id: string}).token_id
      writeFileSync(join(dir, `tbot-${i}.yaml`), tbotConfig(join(dir, `run-${i}`), token))
      const rss = await idleRss([join(ROOT, 'bin/tbot.js'), 'start', '-c', join(dir, `tbot-${i}.yaml`)], env,
        ['Generated X509 SVID', 'Generated JWT SVID', 'Workload API service listening'], LATER_MS)
      tbot.push(rss.settled)
      tbotLater.push(rss.later)
      empty.push((await idleRss(['-e', 'process.stderr.write("ready\\n"); setInterval(() => {}, 1000)'], env, ['ready'])).settled)
    }
    return [
      {name: 'node_empty_idle_rss_mb', value: median(empty), unit: 'MB'},
      {name: 'tbot_idle_rss_mb', value: median(tbot), unit: 'MB', limit: LIMIT_MB, ratio: median(tbot) / LIMIT_MB, goal: `<= ${LIMIT_MB} MB`},
      {name: 'tbot_idle_rss_later_mb', value: median(tbotLater), unit: 'MB', limit: LIMIT_MB, ratio: median(tbotLater) / LIMIT_MB, goal: `<= ${LIMIT_MB} MB, ${LATER_MS / 1000} s after the first outputs`},
    ]
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
