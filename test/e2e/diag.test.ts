/**
 * Health and metrics end to end: a real tbot with `diag_addr` (Teleport's /livez, /readyz JSON,
 * /readyz/<service>, `tbot wait`), its /metrics scraped by a real Prometheus (Debian's package)
 * that then answers a query for `tbot_task_iterations_total`, `promtool check metrics` on tbot's
 * and the server's /metrics, and the server's /readyz turning 503 while its data directory is
 * unreachable and 200 after.
 */
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {promises as fs, renameSync, writeFileSync} from 'node:fs'
import {get as httpsGet} from 'node:https'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {WorkloadApiClient} from '../../src/lib/workloadapi/client.js'
import {binPath, cliEnv} from '../helpers/cli.js'
import {freePort, serverConfig} from '../helpers/server.js'
import {tempDir} from '../helpers/tmp.js'
import {makeCluster, spawnNode, waitFor, type Cluster, type Running} from './tbot-cluster.js'

const DIAG_LINE = /Diagnostics service listening addr:(http:\/\/127\.0\.0\.1:\d+)/

async function get(url: string): Promise<{status: number; body: string; type: string}> {
  const r = await fetch(url)
  return {status: r.status, body: await r.text(), type: r.headers.get('content-type') ?? ''}
}

function promtoolCheck(metrics: string): {status: number | null; output: string} {
  const r = spawnSync('promtool', ['check', 'metrics'], {input: metrics, encoding: 'utf8'})
  return {status: r.status, output: r.stdout + r.stderr}
}

async function diagUrl(running: Running): Promise<string> {
  return waitFor('the diagnostics listener', () => DIAG_LINE.exec(running.stderr())?.[1], () => running.stderr())
}

let c: Cluster
before(async () => {
  c = await makeCluster()
})
after(() => c?.remove())

describe('tbot diag_addr', () => {
  let tbot: Running
  let diag: string
  before(async () => {
    const token = await c.addBot('diag-bot', '--roles', 'example-workload-identity-issuer')
    const config = [
      'version: v2',
      `onboarding: {join_method: token, token: ${token}}`,
      'storage: {type: memory}',
      'diag_addr: 127.0.0.1:0',
      'services:',
      '  - type: workload-identity-jwt',
      '    name: jwt-out',
      `    destination: {type: directory, path: ${join(c.dir, 'diag-jwt')}}`,
      '    selector: {name: example-workload-identity}',
      '    audiences: [example]',
      '  - type: workload-identity-api',
      '    name: wapi',
      `    listen: unix://${join(c.dir, 'diag.sock')}`,
      '    selector: {name: example-workload-identity}',
      '',
    ].join('\n')
    await fs.writeFile(join(c.dir, 'diag-tbot.yaml'), config)
    tbot = c.startTbot('start', '-c', join(c.dir, 'diag-tbot.yaml'))
    diag = await diagUrl(tbot)
  })
  after(async () => {
    tbot?.child.kill('SIGTERM')
    await tbot?.done
  })

  it('tbot wait returns once every service reported; /livez, /readyz and /readyz/<service> have Teleport\'s shapes', async () => {
    const wait = await c.tbot('wait', '--diag-addr', diag.replace('http://', ''), '--timeout', '30s')
    assert.equal(wait.code, 0, wait.stderr)
    assert.match(wait.stderr, /bot reported healthy/)
    assert.deepEqual(await get(`${diag}/livez`), {status: 200, body: '{\n  "status": "ok"\n}', type: 'application/json'})
    const ready = await get(`${diag}/readyz`)
    assert.equal(ready.status, 200, ready.body)
    const overall = JSON.parse(ready.body) as {status: string; services: Record<string, {status: string; updated_at: string}>}
    assert.equal(overall.status, 'healthy')
    for (const name of ['identity', 'jwt-out', 'wapi']) assert.equal(overall.services[name]?.status, 'healthy', name)
    const one = await get(`${diag}/readyz/jwt-out`)
    assert.equal(one.status, 200)
    assert.deepEqual(Object.keys(JSON.parse(one.body) as object), ['status', 'updated_at'])
    assert.deepEqual(await get(`${diag}/readyz/nope`), {status: 404, body: '{\n  "error": "Service named \\"nope\\" not found."\n}', type: 'application/json'})
    const missing = await c.tbot('wait', '--diag-addr', diag, '--service', 'nope', '--timeout', '5s')
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /ERROR: response from wait API: Service named "nope" not found\.\n$/)
  })

  it('/metrics: Teleport\'s task metrics and ours, accepted by promtool', async () => {
    const client = await WorkloadApiClient.create({address: `unix://${join(c.dir, 'diag.sock')}`})
    try {
      await client.fetchX509Svid()
    } finally {
      client.close()
    }
    const metrics = await waitFor('the task and Workload API metrics', async () => {
      const m = await get(`${diag}/metrics`)
      return /\ntbot_workload_api_requests_total\{method="FetchX509SVID",code="0"\} 1\n/.test(m.body) ? m : undefined
    })
    assert.match(metrics.type, /^text\/plain; version=0\.0\.4/)
    assert.match(metrics.body, /\ntbot_task_iterations_total\{service="workload-identity-jwt",name="jwt-out"\} \d+\n/)
    assert.match(metrics.body, /\ntbot_task_iterations_successful_bucket\{le="0",service="workload-identity-jwt",name="jwt-out"\} \d+\n/)
    assert.match(metrics.body, /\n# TYPE tbot_task_iterations_failed counter\n/)
    assert.match(metrics.body, /\ntbot_task_iteration_duration_seconds_count\{service="workload-identity-jwt",name="jwt-out"\} \d+\n/)
    assert.match(metrics.body, /\ntbot_svids_issued_total\{type="x509"\} 1\n/)
    assert.match(metrics.body, /\ntbot_svid_expiry_seconds\{type="jwt",spiffe_id="spiffe:\/\/example\.teleport\.sh\/svc\/example-service"\} \d+/)
    const check = promtoolCheck(metrics.body)
    assert.equal(check.status, 0, check.output)
  })

  it('a real Prometheus scrapes /metrics on loopback and answers a query for tbot_task_iterations_total', async () => {
    const dir = tempDir()
    const port = await freePort()
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      'scrape_configs:',
      '  - job_name: tbot',
      `    static_configs: [{targets: ["${diag.replace('http://', '')}"]}]`,
      '',
    ].join('\n'))
    const prom = spawn('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], {stdio: ['ignore', 'ignore', 'pipe']})
    let promLog = ''
    prom.stderr!.setEncoding('utf8').on('data', (d: string) => (promLog += d))
    try {
      const series = await waitFor('Prometheus to answer with tbot_task_iterations_total', async () => {
        const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=tbot_task_iterations_total`).catch(() => undefined)
        if (r === undefined || r.status !== 200) return undefined
        const body = await r.json() as {status: string; data: {result: Array<{metric: Record<string, string>; value: [number, string]}>}}
        return body.data.result.length > 0 ? body.data.result : undefined
      }, () => promLog, 60_000)
      const jwt = series.find((s) => s.metric.name === 'jwt-out')
      assert.ok(jwt, JSON.stringify(series))
      assert.equal(jwt.metric.job, 'tbot')
      assert.equal(jwt.metric.service, 'workload-identity-jwt')
      assert.ok(Number(jwt.value[1]) >= 1)
    } finally {
      prom.kill('SIGTERM')
      await new Promise((resolve) => prom.once('close', resolve))
    }
  })
})

describe('the server\'s teleport.diag_addr', () => {
  it('/healthz, /readyz (503 while the data directory is unreachable, 200 after) and /metrics accepted by promtool', async () => {
    const dir = tempDir()
    const dataDir = join(dir, 'data')
    const port = await freePort()
    const config = serverConfig(dataDir, port, 'example.teleport.sh').replace('teleport:\n', 'teleport:\n  diag_addr: 127.0.0.1:0\n')
    writeFileSync(join(dir, 'teleport.yaml'), config)
    const server = spawnNode([binPath('teleport'), 'start', '-c', join(dir, 'teleport.yaml')], cliEnv(), dir)
    try {
      const diag = await diagUrl(server)
      await waitFor('the server', () => (server.stderr().includes('Auth and proxy service is ready') ? true : undefined), () => server.stderr())
      assert.deepEqual(await get(`${diag}/healthz`), {status: 200, body: '{\n  "status": "ok"\n}', type: 'application/json'})
      assert.equal((await get(`${diag}/readyz`)).status, 200)

      renameSync(dataDir, `${dataDir}.away`)
      const down = await get(`${diag}/readyz`)
      assert.equal(down.status, 503)
      assert.deepEqual(JSON.parse(down.body), {status: 'unavailable', reason: `data directory ${dataDir}: ENOENT`})
      renameSync(`${dataDir}.away`, dataDir)
      assert.equal((await get(`${diag}/readyz`)).status, 200)

      // The cluster's own certificate is not what this test checks: any answer counts as a request.
      await new Promise((resolve, reject) => httpsGet(`https://127.0.0.1:${port}/webapi/ping`, {rejectUnauthorized: false}, (res) => res.resume().on('end', resolve)).on('error', reject))
      const metrics = await get(`${diag}/metrics`)
      assert.equal(metrics.status, 200)
      assert.match(metrics.body, /\nsvidkit_server_requests_total\{method="GET",route="\/webapi\/ping",status="200"\} 1\n/)
      assert.match(metrics.body, /\nsvidkit_server_request_duration_seconds_count\{method="GET",route="\/webapi\/ping"\} 1\n/)
      assert.match(metrics.body, /\n# TYPE svidkit_server_joins_total counter\n/)
      const check = promtoolCheck(metrics.body)
      assert.equal(check.status, 0, check.output)
    } finally {
      server.child.kill('SIGTERM')
      await server.done
    }
  })
})
