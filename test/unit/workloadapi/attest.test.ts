import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {createConnection, createServer, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {loadPeerCredReader} from '../../../src/lib/workloadapi/attest/peercred.js'
import {parseStartTime, UnixAttestor} from '../../../src/lib/workloadapi/attest/unix.js'

const HELLO_SHA256 = 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9'
const dirs: string[] = []
after(() => { for (const d of dirs) rmSync(d, {recursive: true, force: true}) })

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wapi-attest-'))
  dirs.push(dir)
  return dir
}

/** A fake procfs: <root>/<pid>/stat with the given start time, <root>/<pid>/exe → a file with `content`. */
function fakeProc(pid: number, startTime: string, content: string): {root: string; exe: string} {
  const root = tempDir()
  mkdirSync(join(root, String(pid)))
  const exe = join(root, 'bin-' + pid)
  writeFileSync(exe, content)
  writeFileSync(join(root, String(pid), 'stat'),
    `${pid} (my (odd) prog) S 1 ${pid} ${pid} 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 ${startTime} 1000 100 18446744073709551615`)
  symlinkSync(exe, join(root, String(pid), 'exe'))
  return {root, exe}
}

describe('parseStartTime', () => {
  it('reads field 22 even when the command name holds spaces and parentheses', () => {
    assert.equal(parseStartTime('42 (a) b) (c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 1 2'), '987654')
    assert.equal(parseStartTime('garbage'), undefined)
  })
})

describe('UnixAttestor', () => {
  it('attests pid, uid, gid, binary path and SHA-256 (Teleport test vector)', async () => {
    const {root, exe} = fakeProc(4242, '1000', 'hello world')
    const attestor = new UnixAttestor({procRoot: root, binaryHashMaxSizeBytes: -1})
    const attrs = await attestor.attest({pid: 4242, uid: 1000, gid: 1001})
    assert.deepEqual(attrs, {unix: {attested: true, pid: 4242, uid: 1000, gid: 1001, binary_path: exe, binary_hash: HELLO_SHA256}})
  })

  it('leaves the hash out above binary_hash_max_size_bytes, and hashes at exactly the limit', async () => {
    const {root} = fakeProc(7, '5', 'hello world')
    assert.equal((await new UnixAttestor({procRoot: root, binaryHashMaxSizeBytes: 10}).attest({pid: 7, uid: 0, gid: 0}))
      ?.unix?.binary_hash, undefined)
    assert.equal((await new UnixAttestor({procRoot: root, binaryHashMaxSizeBytes: 11}).attest({pid: 7, uid: 0, gid: 0}))
      ?.unix?.binary_hash, HELLO_SHA256)
  })

  it('caches per process: same pid and start time → the same object; a reused pid is attested again', async () => {
    const {root} = fakeProc(99, '100', 'hello world')
    const attestor = new UnixAttestor({procRoot: root})
    const first = await attestor.attest({pid: 99, uid: 5, gid: 5})
    assert.equal(await attestor.attest({pid: 99, uid: 5, gid: 5}), first)
    writeFileSync(join(root, '99', 'stat'), '99 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 200 1 1')
    const reused = await attestor.attest({pid: 99, uid: 5, gid: 5})
    assert.notEqual(reused, first)
    assert.deepEqual(reused, first)
  })

  it('fails softly: no process, or pid 0 (another PID namespace)', async () => {
    const attestor = new UnixAttestor({procRoot: tempDir()})
    assert.equal(await attestor.attest({pid: 1234, uid: 0, gid: 0}), undefined)
    assert.equal(await attestor.attest({pid: 0, uid: 0, gid: 0}), undefined)
  })

  it('attests this very process through the real /proc', async () => {
    const attrs = await new UnixAttestor({binaryHashMaxSizeBytes: 4096}).attest({pid: process.pid, uid: 1, gid: 2})
    assert.deepEqual(attrs, {unix: {attested: true, pid: process.pid, uid: 1, gid: 2, binary_path: realpathSync(process.execPath)}})
  })

  it('rejects a bad limit with Teleport\'s message', () => {
    assert.throws(() => new UnixAttestor({binaryHashMaxSizeBytes: -2}),
      {message: 'binary_hash_max_size_bytes must be -1 (unlimited), 0 (default), or greater'})
  })
})

describe('SO_PEERCRED addon', () => {
  it('reads the connecting process\'s pid, uid and gid', async () => {
    const path = join(tempDir(), 'peer.sock')
    const read = loadPeerCredReader()
    const accepted = new Promise<Socket>((resolve) => {
      const server = createServer((socket) => {
        resolve(socket)
        server.close()
      }).listen(path, () => createConnection(path))
    })
    const socket = await accepted
    assert.deepEqual(read(socket), {pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.()})
    socket.destroy()
  })
})
