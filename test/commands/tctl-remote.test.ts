/**
 * `tctl` against the server behaves exactly as against the local data directory: the same command
 * script, run in process, on both, the same stdout, stderr and exit codes (after masking what is
 * random per cluster: tokens, revisions, CA pins, times). The server is a real `teleport start`
 * process. Also the ways of selecting the server (flags before the command, Teleport's env vars)
 * and their errors.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {tempDir} from '../helpers/tmp.js'
import {localCluster, runCommand, SEEDS, type CommandResult, type Env} from './harness.js'

const tctl = (args: readonly string[], env: Env = {}) => runCommand('tctl', args, env)

const SCRIPT: readonly string[][] = [
  ['create', '-f', join(SEEDS, 'aws-workload-identity.yaml')],
  ['create', join(SEEDS, 'aws-workload-identity.yaml')],
  ['create', '-f', join(SEEDS, 'aws-role.yaml')],
  ['get', 'all'],
  ['get', 'role/nope'],
  ['bots', 'add', 'my-bot', '--roles', 'example-workload-identity-issuer'],
  ['bots', 'add', 'other-bot', '--roles', 'ghost'],
  ['bots', 'update', 'my-bot', '--add-roles', 'example-workload-identity-issuer'],
  ['tokens', 'add', '--type=bot', '--bot-name=my-bot', '--value=chosen-token-value'],
  ['bots', 'rm', 'my-bot'],
  ['status'],
]

/** What differs between two clusters by design. */
function masked(r: CommandResult): string {
  const text = `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`
  return text
    .replace(/--data-dir=\S+|--auth-server=\S+ --ca-pin=\S+/g, '<WHERE>')
    .replace(/sha256:[0-9a-f]{64}/g, '<PIN>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<REVISION>')
    .replace(/\b[0-9a-f]{32}\b/g, '<TOKEN>')
    .replace(/\d{2} \w{3} \d{2} \d{2}:\d{2} UTC/g, '<TIME>')
    .replace(/in \d+ minutes/g, 'in N minutes')
}

async function runScript(env: Env): Promise<string[]> {
  const out: string[] = []
  for (const args of SCRIPT) out.push(`$ tctl ${args.join(' ')}\n${masked(await tctl(args, env))}`)
  return out
}

let server: TestServer
before(async () => {
  server = await startTestServer()
})
after(() => server.stop())

describe('tctl, local and remote', () => {
  it('prints the same thing and exits the same way for every command of the script', async () => {
    const local = await runScript((await localCluster()).env)
    const unused = join(tempDir(), 'unused')
    const remote = await runScript({TELEPORT_AUTH_SERVER: server.addr, TELEPORT_IDENTITY_FILE: server.identityFile, SVIDKIT_DATA_DIR: unused})
    for (let i = 0; i < SCRIPT.length; i++) assert.equal(remote[i], local[i])
    assert.match(local.join('\n'), /role nope is not found/)
  })

  it('takes the server from flags written before the command, as Teleport does', async () => {
    const r = await tctl(['--auth-server', server.url, '-i', server.identityFile, 'status', '--format', 'json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).clusterName, 'example.teleport.sh')
  })

  it('says what is missing or wrong', async () => {
    assert.deepEqual(await tctl(['status', '--auth-server', server.addr]), {
      code: 1, stdout: '',
      stderr: 'ERROR: --auth-server needs an identity file: pass --identity FILE (or set $TELEPORT_IDENTITY_FILE); make one on the cluster\'s host with "tctl auth sign --user admin --out FILE"\n',
    })
    assert.deepEqual(await tctl(['status', '--auth-server', 'http://127.0.0.1:1', '-i', server.identityFile]), {
      code: 1, stdout: '', stderr: 'ERROR: server address "http://127.0.0.1:1": only https:// is supported\n',
    })
    assert.deepEqual(await tctl(['workload-identity', 'export-oidc', '--out', join(server.dir, 'site'), '--auth-server', server.addr, '-i', server.identityFile]), {
      code: 2, stdout: '',
      stderr: 'ERROR: this command needs the cluster\'s data directory and cannot run against --auth-server\nSee \'tctl workload-identity export-oidc --help\'.\n',
    })
  })

  it('issues as the admin through the server: files tbot writes, verified by openssl against the exported bundle', async () => {
    const env = {TELEPORT_AUTH_SERVER: server.addr, TELEPORT_IDENTITY_FILE: server.identityFile}
    const dir = tempDir()
    const ok = async (...args: string[]) => {
      const r = await tctl(args, env)
      assert.equal(r.code, 0, `tctl ${args.join(' ')}: ${r.stderr}`)
      return r.stdout
    }
    await ok('create', '-f', join(SEEDS, 'aws-workload-identity.yaml'))
    assert.match(await ok('workload-identity', 'issue-x509', '--name-selector', 'example-workload-identity', '--output', join(dir, 'svid')),
      /^Issued X509 SVID spiffe:\/\/example\.teleport\.sh\/svc\/example-service, expires /)
    writeFileSync(join(dir, 'bundle.pem'), await ok('workload-identity', 'export-bundle', '--format', 'pem'))
    const v = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'bundle.pem'), join(dir, 'svid', 'svid.pem')], {encoding: 'utf8'})
    assert.equal(v.stdout.trim(), `${join(dir, 'svid', 'svid.pem')}: OK`, v.stderr)
    await ok('workload-identity', 'issue-jwt', '--name-selector', 'example-workload-identity', '--audience', 'sts.amazonaws.com', '--output', join(dir, 'jwt'))
    const claims = JSON.parse(Buffer.from(readFileSync(join(dir, 'jwt', 'jwt_svid'), 'utf8').split('.')[1]!, 'base64url').toString())
    assert.deepEqual(claims.aud, ['sts.amazonaws.com'])
    const spiffe = JSON.parse(await ok('workload-identity', 'export-bundle', '--format', 'spiffe'))
    assert.deepEqual(spiffe.keys.map((k: {use: string}) => k.use), ['x509-svid', 'jwt-svid'])
  })

  it('refuses a server whose CA is not the identity file\'s', async () => {
    const other = await startTestServer('other.example')
    try {
      const r = await tctl(['status', '--auth-server', other.addr, '-i', server.identityFile])
      assert.equal(r.code, 1)
      assert.match(r.stderr, /^ERROR: cannot reach the server at https:\/\/127\.0\.0\.1:\d+: .*(certificate|verify)/i)
    } finally {
      await other.stop()
    }
  })

  it('signs identity files only where the data directory is, and not over an existing file', async () => {
    const out = join(server.dir, 'second.pem')
    const sign = (...extra: string[]) => tctl(['auth', 'sign', '--user', 'ci', '--out', out, '--ttl', '1h', ...extra], {SVIDKIT_DATA_DIR: server.dataDir})
    let r = await sign()
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, `The credentials have been written to ${out}\n`)
    r = await sign()
    assert.equal(r.code, 1)
    assert.equal(r.stderr, `ERROR: ${out} already exists; pass --overwrite to replace it\n`)
    assert.equal((await sign('--overwrite')).code, 0)
    const status = await tctl(['status', '--auth-server', server.addr, '-i', out])
    assert.equal(status.code, 0, status.stderr)
    r = await tctl(['auth', 'sign', '--user', 'admin', '--out', join(server.dir, 'x.pem')], {SVIDKIT_DATA_DIR: join(server.dir, 'none')})
    assert.equal(r.code, 1)
    assert.equal(r.stderr, `ERROR: data directory ${join(server.dir, 'none')} is not initialized; run "tctl init --cluster-name NAME"\n`)
  })
})
