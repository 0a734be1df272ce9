/**
 * The Workload API socket's mode (issue 5: "set so only intended users can connect"): tbot applies
 * `socket_mode` / `--socket-mode` at every start, and a caller outside it cannot even connect.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdirSync, chmodSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {parseTbotConfig} from '../../src/lib/tbot/config/load.js'
import {makeCluster, modeOf, waitFor, exists, type Cluster} from './tbot-cluster.js'

let cluster: Cluster
before(async () => {
  cluster = await makeCluster()
})
after(() => cluster.remove())

const CONFIG = (socketMode: string) => `version: v2
onboarding: {join_method: token, token: t}
storage: {type: memory}
services:
  - type: workload-identity-api
    listen: unix:///run/x.sock
    selector: {name: example-workload-identity}
    socket_mode: ${socketMode}
`

describe('workload-identity-api socket_mode', () => {
  it('parses a quoted octal mode and refuses anything else, naming the field', async () => {
    const config = await parseTbotConfig(CONFIG('"0660"'), {file: 'tbot.yaml'})
    assert.equal((config.services[0] as {socketMode?: number}).socketMode, 0o660)
    for (const bad of ['0660', '"rw-rw----"', '"0999"', '"07777"']) {
      await assert.rejects(parseTbotConfig(CONFIG(bad), {file: 'tbot.yaml'}),
        {message: 'tbot.yaml: services[0].socket_mode: must be a quoted octal mode such as "0660"'})
    }
  })

  it('--socket-mode 0600: the socket has that mode and another uid cannot connect', async () => {
    const token = await cluster.addBot('sock-bot', '--roles', 'example-workload-identity-issuer')
    const dir = join(cluster.dir, 'sock')
    mkdirSync(dir, {recursive: true})
    chmodSync(dir, 0o755)
    const socket = join(dir, 'wl.sock')
    const tbot = cluster.startTbot('start', 'workload-identity-api', `--token=${token}`, '--storage=memory://',
      `--listen=unix://${socket}`, '--name-selector=example-workload-identity', '--socket-mode=0600')
    await waitFor('the socket', async () => ((await exists(socket)) ? true : undefined), () => tbot.stderr())
    assert.equal((await modeOf(socket)) & 0o777, 0o600)
    // A process running as nobody is refused by the kernel before any gRPC is spoken.
    const probe = spawnSync(process.execPath, ['-e', `require('net').connect(${JSON.stringify(socket)}).on('connect', () => process.exit(0)).on('error', (e) => { console.log(e.code); process.exit(3) })`],
      {uid: 65534, gid: 65534, encoding: 'utf8', env: {PATH: process.env.PATH ?? '', HOME: dir}})
    assert.equal(probe.status, 3, probe.stderr)
    assert.equal(probe.stdout.trim(), 'EACCES')
    tbot.child.kill('SIGTERM')
    await tbot.done
  })
})
