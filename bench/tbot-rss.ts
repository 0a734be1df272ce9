/**
 * tbot's memory at rest (issue: operability): the real binary with one output of each kind (X.509
 * and JWT SVIDs on disk) and a Workload API, idle after its first outputs, its RSS read from
 * /proc/<pid>/status; beside it an empty Node process measured the same way. Goal: at most 60 MB.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {BenchFigure} from './types.js'
import {ROOT, benchEnv, median} from './_util.js'

const ROUNDS = 3
const SETTLE_MS = 3000
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

async function idleRss(args: readonly string[], env: NodeJS.ProcessEnv, marks: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, args, {env, stdio: ['ignore', 'ignore', 'pipe']})
  try {
    await waitForLog(child, marks)
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
    return rssMb(child.pid!)
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
    const empty: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const token = (JSON.parse(tctl(['bots', 'add', `rss-${i}`, '--roles', 'rss-bench-issuer', '--format', 'json'], env)) as {token_id: string}).token_id
      writeFileSync(join(dir, `tbot-${i}.yaml`), tbotConfig(join(dir, `run-${i}`), token))
      tbot.push(await idleRss([join(ROOT, 'bin/tbot.js'), 'start', '-c', join(dir, `tbot-${i}.yaml`)], env,
        ['Generated X509 SVID', 'Generated JWT SVID', 'Workload API service listening']))
      empty.push(await idleRss(['-e', 'process.stderr.write("ready\\n"); setInterval(() => {}, 1000)'], env, ['ready']))
    }
    return [
      {name: 'node_empty_idle_rss_mb', value: median(empty), unit: 'MB'},
      {name: 'tbot_idle_rss_mb', value: median(tbot), unit: 'MB', limit: LIMIT_MB, ratio: median(tbot) / LIMIT_MB, goal: `<= ${LIMIT_MB} MB`},
    ]
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
