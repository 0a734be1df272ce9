/**
 * The hardening issue's item 4 ("Nothing issued without its audit record") and the audit.log half
 * of item 8, through the real `tctl` against the local data directory and the server: when
 * audit.log cannot be written, issue-x509/issue-jwt exit 1 naming the audit log and leave no
 * credential on disk; an audit.log planted as a symbolic link is refused and its target untouched.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {cliEnv, REPO, start, type RunResult} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {tempDir} from '../helpers/tmp.js'

type Tctl = (...args: string[]) => Promise<RunResult>
const SEED = join(REPO, 'test/fixtures/seeds/aws-workload-identity.yaml')
const NAME = ['--name-selector', 'example-workload-identity']

async function localCluster(): Promise<{tctl: Tctl; dataDir: string; dir: string}> {
  const dir = tempDir()
  const dataDir = join(dir, 'data')
  const env = cliEnv({SVIDKIT_DATA_DIR: dataDir})
  const tctl: Tctl = (...args) => start('tctl', args, {env}).done
  for (const args of [['init', '--cluster-name', 'example.teleport.sh'], ['create', SEED]]) {
    const r = await tctl(...args)
    assert.equal(r.code, 0, r.stderr)
  }
  return {tctl, dataDir, dir}
}

/** Both issue commands fail with the audit message and write nothing into their output directories. */
async function assertNothingIssued(tctl: Tctl, dir: string, reason: RegExp, local = true): Promise<void> {
  for (const [cmd, extra] of [['issue-x509', []], ['issue-jwt', ['--audience', 'sts.amazonaws.com']]] as const) {
    const out = join(dir, `out-${cmd}`)
    const r = await tctl('workload-identity', cmd, ...NAME, ...extra, '--output', out)
    assert.equal(r.code, 1, `${cmd}: ${r.stdout}${r.stderr}`)
    if (local) {
      assert.match(r.stderr, /audit log \S*audit\.log: /, cmd)
      assert.match(r.stderr, /; nothing was issued/, cmd)
    }
    assert.match(r.stderr, reason, cmd)
    const left = existsSync(out) ? readdirSync(out).filter((f) => !f.startsWith('.')) : []
    assert.deepEqual(left, [], `${cmd} left no credential behind`)
  }
}

describe('tctl workload-identity issue-* when audit.log cannot be written', () => {
  it('audit.log is a directory: exit 1, the reason, no files', async () => {
    const {tctl, dataDir, dir} = await localCluster()
    mkdirSync(join(dataDir, 'audit.log'))
    await assertNothingIssued(tctl, dir, /EISDIR: illegal operation on a directory/)
  })

  it('audit.log on a read-only mount: exit 1, EROFS, no files', async (t) => {
    const {tctl, dataDir, dir} = await localCluster()
    const auditLog = join(dataDir, 'audit.log')
    writeFileSync(auditLog, '', {mode: 0o600})
    try {
      execFileSync('mount', ['--bind', auditLog, auditLog], {stdio: 'ignore'})
    } catch {
      t.skip('bind mounts need root and CAP_SYS_ADMIN')
      return
    }
    // Unmounted here, not in a hook: the temporary directory's removal (an earlier hook) needs it gone.
    try {
      execFileSync('mount', ['-o', 'remount,ro,bind', auditLog], {stdio: 'ignore'})
      await assertNothingIssued(tctl, dir, /EROFS: read-only file system/)
      assert.equal(readFileSync(auditLog, 'utf8'), '')
    } finally {
      execFileSync('umount', [auditLog], {stdio: 'ignore'})
    }
  })

  it('audit.log planted as a symbolic link: refused, the target untouched', async () => {
    const {tctl, dataDir, dir} = await localCluster()
    const target = join(dir, 'victim')
    writeFileSync(target, 'precious\n')
    symlinkSync(target, join(dataDir, 'audit.log'))
    // Opening the data directory already refuses links in it (storage/no-follow.ts), before the audit log's own
    // O_NOFOLLOW open (test/unit/authority/audit.test.ts) is reached; either way nothing is issued.
    await assertNothingIssued(tctl, dir, /refusing to follow the symbolic link \S*audit\.log: links inside the data directory are not allowed/, false)
    assert.equal(readFileSync(target, 'utf8'), 'precious\n')
  })
})

describe('the server when its audit.log cannot be written', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.stop())

  it('refuses to hand out an SVID: the remote tctl exits 1, no files; the server logs the reason', async () => {
    const env = cliEnv({TELEPORT_AUTH_SERVER: server.addr, TELEPORT_IDENTITY_FILE: server.identityFile, SVIDKIT_DATA_DIR: join(tempDir(), 'unused')})
    const tctl: Tctl = (...args) => start('tctl', args, {env}).done
    const created = await tctl('create', SEED)
    assert.equal(created.code, 0, created.stderr)
    mkdirSync(join(server.dataDir, 'audit.log'))
    // A 500's message stays on the server (wire/errors.ts); the caller learns only that it failed.
    await assertNothingIssued(tctl, tempDir(), /internal server error/, false)
    assert.match(server.stderr(), /audit log \S*audit\.log: EISDIR: illegal operation on a directory; nothing was issued/)
  })
})
