import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {
  processChange, processChangedError, readProcessIdentity,
} from '../../../src/lib/workloadapi/attest/process-identity.js'
import {UnixAttestor} from '../../../src/lib/workloadapi/attest/unix.js'

const dirs: string[] = []
after(() => { for (const d of dirs) rmSync(d, {recursive: true, force: true}) })

/** A fake procfs with pid 50 started at tick 300 running bin-a; `exec(name)` repoints its exe. */
function fakeProc(): {root: string; exec(name: string): string} {
  const root = mkdtempSync(join(tmpdir(), 'wapi-pin-'))
  dirs.push(root)
  mkdirSync(join(root, '50'))
  writeFileSync(join(root, '50', 'stat'), '50 (prog) S 1 50 50 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 300 1 1')
  const exec = (name: string): string => {
    const binary = join(root, name)
    writeFileSync(binary, name)
    try { unlinkSync(join(root, '50', 'exe')) } catch { /* first exec */ }
    symlinkSync(binary, join(root, '50', 'exe'))
    return binary
  }
  exec('bin-a')
  return {root, exec}
}

describe('process identity pinning', () => {
  it('reads this process: its pid, a start time and its executable\'s device and inode', () => {
    const identity = readProcessIdentity(process.pid)
    assert.equal(identity?.pid, process.pid)
    assert.match(identity?.startTime ?? '', /^[0-9]+$/)
    assert.match(identity?.executable ?? '', /^[0-9]+:[0-9]+$/)
    assert.equal(processChange(identity!, readProcessIdentity(process.pid)), undefined)
  })

  it('tells an exec (same pid and start time, other executable) from an exit or a reused pid', () => {
    const {root, exec} = fakeProc()
    const pinned = readProcessIdentity(50, root)!
    exec('bin-b')
    assert.equal(processChange(pinned, readProcessIdentity(50, root)), 'executed another binary')
    writeFileSync(join(root, '50', 'stat'), '50 (prog) S 1 50 50 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 301 1 1')
    assert.equal(processChange(pinned, readProcessIdentity(50, root)), 'exited')
    assert.equal(processChange(pinned, readProcessIdentity(51, root)), 'exited')
    assert.equal(readProcessIdentity(0, root), undefined)
  })

  it('refuses with AccessDenied (PermissionDenied on the wire) and a message that says what changed', () => {
    const err = processChangedError('executed another binary')
    assert.equal(err.code, 'ACCESS_DENIED')
    assert.equal(err.message, 'workload attestation no longer holds: the process that opened this connection ' +
      'executed another binary since it connected; reconnect')
  })

  it('attests the pinned executable only: after an exec the cached attestation is not reused', async () => {
    const {root, exec} = fakeProc()
    const attestor = new UnixAttestor({procRoot: root})
    const peer = {pid: 50, uid: 7, gid: 7}
    const first = await attestor.attest(peer, readProcessIdentity(50, root))
    assert.equal(first?.unix?.binary_path, join(root, 'bin-a'))
    const binB = exec('bin-b')
    const second = await attestor.attest(peer, readProcessIdentity(50, root))
    assert.equal(second?.unix?.binary_path, binB)
  })

  it('gives nothing when the process exec\'d between the pinning and the attestation', async () => {
    const {root, exec} = fakeProc()
    const pinned = readProcessIdentity(50, root)
    exec('bin-b')
    assert.equal(await new UnixAttestor({procRoot: root}).attest({pid: 50, uid: 7, gid: 7}, pinned), undefined)
  })
})
