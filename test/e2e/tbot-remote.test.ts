/**
 * The real `tbot` binary against the real server: trust in the server at join (the CA pin, or
 * `--insecure` with a loud warning), refusal of a server that does not match, and a stored identity
 * reused on the next start without the token.
 */
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {RemoteBackend} from '../../src/lib/backend/remote/admin.js'
import {readIdentityFile} from '../../src/lib/backend/identity-file.js'
import {INSECURE_WARNING} from '../../src/lib/net/https-client.js'
import {REPO, cliEnv, start} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {parseResources} from '../../src/lib/resources/parse.js'
import {readFileSync} from 'node:fs'

let server: TestServer
let admin: RemoteBackend

const tbot = (dir: string, ...args: string[]) => start('tbot', [
  'start', 'workload-identity-x509', '--auth-server', server.addr, '--oneshot', '--storage', join(server.dir, dir, 'bot'),
  '--destination', join(server.dir, dir, 'out'), '--name-selector', 'example-workload-identity', ...args,
], {env: cliEnv()}).done

const newToken = async (name: string) => (await admin.addBot({name, roles: ['example-workload-identity-issuer']})).token.metadata.name

before(async () => {
  server = await startTestServer()
  admin = new RemoteBackend({url: server.url, identity: await readIdentityFile(server.identityFile)})
  const seeds = ['aws-workload-identity.yaml', 'aws-role.yaml'].map((f) => readFileSync(join(REPO, 'test/fixtures/seeds', f), 'utf8')).join('---\n')
  await admin.createResources(parseResources(seeds, 'seeds.yaml'), {force: false})
})
after(async () => {
  await admin.close()
  await server.stop()
})

describe('tbot and the server', () => {
  it('refuses a server that does not match the CA pin, before sending the token', async () => {
    const token = await newToken('pin-bot')
    const wrong = `sha256:${'0'.repeat(64)}`
    const r = await tbot('wrong-pin', '--ca-pin', wrong, '--token', token)
    assert.equal(r.code, 1)
    assert.match(r.stderr, new RegExp(`ERROR: joining the cluster failed: ${server.url}: the server's certificate authority does not match the CA pin ${wrong}: no certificate the server presented matches the CA pin\\.`))
    assert.ok((await admin.getResource('token', token)).metadata.name === token, 'the token was not spent')
    assert.equal(existsSync(join(server.dir, 'wrong-pin', 'out', 'svid.pem')), false)
  })

  it('says how to trust the cluster CA when neither a pin nor --insecure is given', async () => {
    const r = await tbot('no-pin', '--token', await newToken('nopin-bot'))
    assert.equal(r.code, 1)
    assert.match(r.stderr, /ERROR: joining the cluster failed: cannot reach the server at https:\/\/127\.0\.0\.1:\d+: .+; to trust a server with the cluster's own certificate, pass its CA pin with --ca-pin/)
  })

  it('joins with --insecure, warning loudly', async () => {
    const r = await tbot('insecure', '--insecure', '--token', await newToken('insecure-bot'))
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.stderr.includes(INSECURE_WARNING), r.stderr)
    assert.ok(existsSync(join(server.dir, 'insecure', 'out', 'svid.pem')))
  })

  it('joins by pin, then starts again from its stored identity without a token', async () => {
    const first = await tbot('pinned', '--ca-pin', server.caPin, '--token', await newToken('pinned-bot'))
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stderr, /Joined the cluster server:https:\/\/127\.0\.0\.1:\d+/)
    const again = await tbot('pinned', '--ca-pin', server.caPin)
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stderr, /Renewed the stored bot identity/)
    assert.match(readFileSync(join(server.dir, 'pinned', 'out', 'svid.pem'), 'utf8'), /^-----BEGIN CERTIFICATE-----/)
  })
})
