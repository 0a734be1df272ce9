/**
 * The server process itself: graceful shutdown on SIGTERM with a request in flight, one log line per
 * request, configured `https_keypairs` (client certificates still checked against the cluster CA),
 * and config errors that name the file and field.
 */
import assert from 'node:assert/strict'
import {createHash, X509Certificate} from 'node:crypto'
import {spawn} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {connect} from 'node:tls'
import {setTimeout as sleep} from 'node:timers/promises'
import {describe, it} from 'node:test'
import {readIdentityFile} from '../../src/lib/backend/identity-file.js'
import {RemoteBackend} from '../../src/lib/backend/remote/admin.js'
import {HttpsJsonClient} from '../../src/lib/net/https-client.js'
import {binPath, cliEnv, start} from '../helpers/cli.js'
import {freePort, serverConfig, startTestServer} from '../helpers/server.js'
import {tempDir} from '../helpers/tmp.js'
import {makeIntermediateCa, makeRootCa, makeServerCert} from '../helpers/pki.js'

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(25)
  assert.ok(check())
}

describe('the server process', () => {
  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    const server = await startTestServer()
    const ca = (await readIdentityFile(server.identityFile)).caPems[0]!
    const socket = connect({host: '127.0.0.1', port: server.port, ca, servername: 'localhost'})
    await new Promise((resolve) => socket.once('secureConnect', resolve))
    const body = JSON.stringify({token: 'f'.repeat(32), public_key: 'AAAA', ttl_ms: 1})
    let response = ''
    socket.setEncoding('utf8').on('data', (d: string) => (response += d))
    const closed = new Promise((resolve) => socket.once('close', resolve))
    socket.write(`POST /v1/bot/join HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`)
    await sleep(100)
    server.child.kill('SIGTERM')
    await until(() => server.stderr().includes('Received signal, shutting down gracefully'))
    socket.end(body.slice(10))
    await closed
    assert.match(response, /^HTTP\/1\.1 400 Bad Request\r\n/)
    assert.match(response, /\r\nconnection: close\r\n/i)
    assert.match(response, /"public_key: is not a valid PKIX public key"/)
    assert.equal(await server.stop(), 0)
    assert.match(server.stderr(), /request method:POST path:\/v1\/bot\/join status:400 [\s\S]*Server stopped/)
  })

  it('logs one line per request, naming the caller but never a secret', async () => {
    const server = await startTestServer()
    try {
      const admin = new RemoteBackend({url: server.url, identity: await readIdentityFile(server.identityFile)})
      const before = server.stderr().split('\n').length
      await admin.status()
      await admin.listResources('role')
      await assert.rejects(admin.getResource('bot', 'nobody'), {code: 'NOT_FOUND'})
      await admin.close()
      await until(() => server.stderr().split('\n').length >= before + 3)
      const lines = server.stderr().split('\n').slice(before - 1).filter((l) => l !== '')
      assert.equal(lines.length, 3)
      assert.match(lines[0]!, /INFO \[PROXY\] +request method:GET path:\/v1\/status status:200 duration_ms:[\d.]+ caller:admin remote_addr:127\.0\.0\.1$/)
      assert.match(lines[2]!, /path:\/v1\/resources\/bot\/nobody status:404 /)
    } finally {
      await server.stop()
    }
  })

  it('writes its log to a file, every line of it there once it has exited', async () => {
    const dir = tempDir()
    const logFile = join(dir, 'teleport.log')
    const configFile = join(dir, 'teleport.yaml')
    writeFileSync(configFile, serverConfig(join(dir, 'data'), await freePort(), 'example.teleport.sh', '', `  log:\n    output: ${logFile}`))
    const child = spawn(process.execPath, [binPath('teleport'), 'start', '-c', configFile], {env: cliEnv(), stdio: 'ignore'})
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const logged = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '')
    await until(() => logged().includes('Auth and proxy service is ready'))
    child.kill('SIGTERM')
    assert.equal(await exited, 0)
    assert.match(logged(), /Received signal, shutting down gracefully[\s\S]*Server stopped\n$/)
  })

  it('serves https_keypairs, and still checks client certificates against the cluster CA', async () => {
    const root = await makeRootCa('public-root')
    const intermediate = await makeIntermediateCa('public-intermediate', root)
    const leaf = await makeServerCert(intermediate)
    const server = await startTestServer('example.teleport.sh', {
      prepare: (dir) => {
        writeFileSync(join(dir, 'fullchain.pem'), leaf.certPem + intermediate.certPem)
        writeFileSync(join(dir, 'key.pem'), leaf.keyPem)
        return `  https_keypairs:\n    - key_file: ${join(dir, 'key.pem')}\n      cert_file: ${join(dir, 'fullchain.pem')}`
      },
    })
    try {
      const client = await HttpsJsonClient.create({url: server.url, trust: {kind: 'ca', caPem: root.certPem}})
      const thumbprint = createHash('sha1').update(new X509Certificate(intermediate.certPem).raw).digest('hex')
      assert.equal(await client.get('/webapi/thumbprint'), thumbprint)
      await assert.rejects(client.get('/v1/status'), {code: 'UNAUTHENTICATED', message: 'this endpoint requires a client certificate'})
      await client.close()
      const r = await start('tctl', ['status', '--auth-server', server.addr, '-i', server.identityFile, '--insecure'], {env: cliEnv()}).done
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stderr, /WARNING: insecure mode/)
      assert.match(r.stdout, /^Cluster: +example\.teleport\.sh\n/)
    } finally {
      await server.stop()
    }
  })

  it('refuses a bad config, naming the file and the field', async () => {
    const dir = tempDir()
    const file = join(dir, 'teleport.yaml')
    writeFileSync(file, serverConfig(join(dir, 'data'), await freePort(), 'example.teleport.sh').replace('ssh_service:\n  enabled: no', 'ssh_service:\n  enabled: yes'))
    let r = await start('teleport', ['start', '-c', file]).done
    assert.equal(r.code, 1)
    assert.equal(r.stderr, `ERROR: ${file}: ssh_service.enabled: the SSH service is not supported by this server; set it to "no" or remove ssh_service\n`)
    writeFileSync(file, serverConfig(join(dir, 'data'), await freePort(), 'example.teleport.sh').replace('auth_service:\n  enabled: yes', 'auth_service:\n  enabled: no'))
    r = await start('teleport', ['start', '-c', file]).done
    assert.equal(r.stderr, `ERROR: ${file}: auth_service.enabled: this server runs the auth and proxy services together; both must be enabled\n`)
    r = await start('teleport', ['start', '-c', join(dir, 'missing.yaml')]).done
    assert.equal(r.stderr, `ERROR: ${join(dir, 'missing.yaml')}: cannot read the config file: no such file\n`)
  })
})
