import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {FileAuditLog, type SvidIssuedEvent} from '../../../src/lib/authority/audit.js'

const dir = mkdtempSync(join(tmpdir(), 'audit-test-'))
after(() => rmSync(dir, {recursive: true, force: true}))

const event = (jti: string): SvidIssuedEvent => ({
  svidType: 'jwt', user: 'bot-a', spiffeId: 'spiffe://td/x', jti, audiences: ['a'], hint: '', workloadIdentity: 'w',
  workloadIdentityRevision: 'r', attributes: {user: {name: 'bot-a', is_bot: true, bot_name: 'a', bot_instance_id: '', labels: {}, traits: {}}},
})

/** Every file of the log, oldest first, and the JSON records in each. */
function files(base: string): Array<{name: string; size: number; jtis: string[]}> {
  const names = readdirSync(dir).filter((n) => n === base || /^[^.]+\.log\.\d+$/.test(n) && n.startsWith(base + '.'))
  const order = (n: string) => (n === base ? 0 : Number(n.slice(base.length + 1)))
  return names.sort((a, b) => order(b) - order(a)).map((name) => {
    const text = readFileSync(join(dir, name), 'utf8')
    assert.ok(text.endsWith('\n'), `${name} ends with a whole line`)
    const jtis = text.trimEnd().split('\n').map((l) => (JSON.parse(l) as {jti: string}).jti)
    return {name, size: statSync(join(dir, name)).size, jtis}
  })
}

describe('FileAuditLog rotation', () => {
  it('rotates audit.log at maxBytes into audit.log.1 …, keeping maxFiles files', async () => {
    const log = new FileAuditLog(join(dir, 'one.log'), {maxBytes: 4096, maxFiles: 3})
    for (let i = 0; i < 100; i++) {
      log.svidIssued(event(String(i)))
      if (i % 7 === 0) await log.flush()
    }
    await log.flush()
    const kept = files('one.log')
    assert.deepEqual(kept.map((f) => f.name), ['one.log.2', 'one.log.1', 'one.log'])
    for (const f of kept.slice(0, 2)) assert.ok(f.size >= 4096, `${f.name} was rotated full`)
    const jtis = kept.flatMap((f) => f.jtis).map(Number)
    assert.deepEqual(jtis, jtis.slice().sort((a, b) => a - b), 'in order, oldest file first')
    assert.equal(jtis.at(-1), 99, 'the newest record is in audit.log')
    assert.equal(statSync(join(dir, 'one.log')).mode & 0o777, 0o600)
  })

  it('several processes appending and rotating one log lose no line and never interleave one', async () => {
    const module = new URL('../../../src/lib/authority/audit.js', import.meta.url).href
    const script = `
      const {FileAuditLog} = await import(${JSON.stringify(module)})
      const [path, who] = process.argv.slice(1)
      const log = new FileAuditLog(path, {maxBytes: 16384, maxFiles: 1000})
      const attributes = {user: {name: 'bot', is_bot: true, bot_name: 'b', bot_instance_id: '', labels: {}, traits: {}}}
      for (let i = 0; i < 400; i++) {
        log.svidIssued({svidType: 'jwt', user: 'bot', spiffeId: 'spiffe://td/x', jti: who + '-' + i, audiences: ['a'.repeat(i % 200)],
          hint: '', workloadIdentity: 'w', workloadIdentityRevision: 'r', attributes})
        if (i % 5 === 0) await log.flush()
      }
      await log.flush()`
    const run = (who: string) => new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script, join(dir, 'shared.log'), who], (err, _out, stderr) =>
        (err ? reject(new Error(stderr)) : resolve())))
    await Promise.all(['p0', 'p1', 'p2', 'p3'].map(run))
    const all = files('shared.log')
    assert.ok(all.length > 10, `rotated ${all.length - 1} times`)
    const jtis = all.flatMap((f) => f.jtis)
    assert.equal(jtis.length, 1600)
    assert.equal(new Set(jtis).size, 1600, 'every line once')
    for (const who of ['p0', 'p1', 'p2', 'p3']) {
      const mine = jtis.filter((j) => j.startsWith(who + '-')).map((j) => Number(j.slice(3)))
      assert.deepEqual(mine, mine.slice().sort((a, b) => a - b), `${who}'s lines in its order`)
    }
    assert.ok(!readdirSync(dir).some((n) => n.startsWith('shared.log.lock')), 'no lock left behind')
  })
})

describe('FileAuditLog fails closed', () => {
  it('each record resolves once its batch is written; concurrent records share one write', async () => {
    const path = join(dir, 'group.log')
    const log = new FileAuditLog(path)
    await Promise.all(Array.from({length: 50}, (_, i) => log.svidIssued(event(`g${i}`))))
    assert.equal(readFileSync(path, 'utf8').trimEnd().split('\n').length, 50, 'all 50 lines on disk when they resolve')
    await log.flush()
  })

  it('a record whose write fails rejects with the audit message, and flush reports it once', async () => {
    const path = join(dir, 'is-a-dir.log')
    mkdirSync(path)
    const log = new FileAuditLog(path)
    await assert.rejects(log.svidIssued(event('x')), {
      code: 'INTERNAL', message: `audit log ${path}: EISDIR: illegal operation on a directory; nothing was issued`,
    })
    await assert.rejects(log.flush(), /nothing was issued/)
    await log.flush()
  })

  it('an audit.log planted as a symbolic link is refused, its target untouched', async () => {
    const target = join(dir, 'victim')
    writeFileSync(target, 'precious\n')
    const path = join(dir, 'link.log')
    symlinkSync(target, path)
    const log = new FileAuditLog(path)
    await assert.rejects(log.svidIssued(event('x')), {
      message: `audit log ${path}: is a symbolic link; refusing to follow it; nothing was issued`,
    })
    assert.equal(readFileSync(target, 'utf8'), 'precious\n')
    await log.flush().catch(() => undefined)
  })

  it('rotation moves planted links among the rotated files as names, never writing through them', async () => {
    const target = join(dir, 'victim-rotated')
    writeFileSync(target, 'precious\n')
    const path = join(dir, 'rot.log')
    symlinkSync(target, `${path}.1`)
    const log = new FileAuditLog(path, {maxBytes: 256, maxFiles: 3})
    for (let i = 0; i < 4; i++) await log.svidIssued(event(`r${i}`))
    await log.flush()
    assert.equal(readFileSync(target, 'utf8'), 'precious\n')
    assert.ok(!lstatSync(`${path}.2`).isSymbolicLink(), 'the link was replaced by a rotated file, never written through')
  })

  it('an audit.log.lock planted as a symbolic link is never written through', async () => {
    const target = join(dir, 'victim-lock')
    writeFileSync(target, 'precious\n')
    const path = join(dir, 'locked.log')
    symlinkSync(target, `${path}.lock`)
    const log = new FileAuditLog(path, {maxBytes: 256, maxFiles: 3})
    for (let i = 0; i < 3; i++) await log.svidIssued(event(`l${i}`))
    await log.flush()
    assert.equal(readFileSync(target, 'utf8'), 'precious\n')
    // The lock refuses a link (storage/lock.ts): rotation waits, and no line is lost meanwhile.
    assert.ok(lstatSync(`${path}.lock`).isSymbolicLink())
    assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, 3)
  })
})
