import assert from 'node:assert/strict'
import {lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile, chmod, readdir} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {Worker} from 'node:worker_threads'
import {BadParameterError} from '../../../src/lib/errors.js'
import {
  DirectoryDestination,
  MemoryDestination,
  openDestination,
  SVID_BUNDLE_PEM,
  SVID_KEY_PEM,
  SVID_PEM,
  JWT_SVID,
} from '../../../src/lib/tbot/destination.js'

let root = ''
before(async () => { root = await mkdtemp(join(tmpdir(), 'tbot-dest-')) })
after(async () => { await rm(root, {recursive: true, force: true}) })

const mode = async (path: string) => (await stat(path)).mode & 0o777

describe('directory destination', () => {
  it('uses the artifact names of Teleport\'s lib/tbot/config', () => {
    assert.deepEqual([SVID_PEM, SVID_KEY_PEM, SVID_BUNDLE_PEM, JWT_SVID], ['svid.pem', 'svid_key.pem', 'svid_bundle.pem', 'jwt_svid'])
  })

  it('creates a missing directory 0700 and leaves an existing one alone', async () => {
    const fresh = join(root, 'a', 'b')
    const d = new DirectoryDestination(fresh)
    await d.init()
    assert.equal(await mode(fresh), 0o700)
    await d.init()
    const existing = join(root, 'existing')
    await mkdir(existing)
    await chmod(existing, 0o755)
    await new DirectoryDestination(existing).init()
    assert.equal(await mode(existing), 0o755)
  })

  it('refuses a destination path that is a file', async () => {
    const file = join(root, 'plain-file')
    await writeFile(file, 'x')
    await assert.rejects(new DirectoryDestination(file).init(), {message: `destination ${file} is not a directory`})
  })

  it('writes every artifact 0600, also over an existing 0644 file, and reads it back', async () => {
    const dir = join(root, 'modes')
    const d = openDestination({type: 'directory', path: dir, symlinks: 'try-secure'})
    await d.init()
    await writeFile(join(dir, SVID_PEM), 'old', {mode: 0o644})
    await d.write([{name: SVID_KEY_PEM, data: 'key'}, {name: SVID_PEM, data: new TextEncoder().encode('cert')}])
    assert.equal(await mode(join(dir, SVID_KEY_PEM)), 0o600)
    assert.equal(await mode(join(dir, SVID_PEM)), 0o600)
    assert.equal(await readFile(join(dir, SVID_PEM), 'utf8'), 'cert')
    assert.equal(new TextDecoder().decode(await d.read(SVID_KEY_PEM)), 'key')
    assert.equal(await d.read('missing'), undefined)
    assert.deepEqual((await readdir(dir)).sort(), [SVID_PEM, SVID_KEY_PEM].sort(), 'no temp files left behind')
  })

  it('a reader in a tight loop never sees a partial file across many rewrites', async () => {
    const dir = join(root, 'atomic')
    const d = new DirectoryDestination(dir)
    await d.init()
    const size = 128 * 1024
    const version = (i: number) => String.fromCharCode(65 + (i % 26)).repeat(size)
    await d.write([{name: SVID_PEM, data: version(0)}])
    const stop = new Int32Array(new SharedArrayBuffer(4))
    const worker = new Worker(`
      const {readFileSync} = require('node:fs')
      const {workerData, parentPort} = require('node:worker_threads')
      const stop = new Int32Array(workerData.stop)
      let reads = 0, bad = 0, sample = ''
      while (Atomics.load(stop, 0) === 0) {
        const s = readFileSync(workerData.path, 'latin1')
        reads++
        if (s.length !== workerData.size || s !== s[0].repeat(workerData.size)) { bad++; sample = s.length + ':' + s.slice(0, 3) + '..' + s.slice(-3) }
      }
      parentPort.postMessage({reads, bad, sample})
    `, {eval: true, workerData: {path: join(dir, SVID_PEM), size, stop: stop.buffer}})
    const result = new Promise<{reads: number; bad: number; sample: string}>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    for (let i = 1; i <= 80; i++) await d.write([{name: SVID_PEM, data: version(i)}])
    Atomics.store(stop, 0, 1)
    const {reads, bad, sample} = await result
    await worker.terminate()
    assert.equal(bad, 0, `partial read seen: ${sample}`)
    assert.ok(reads > 0)
    assert.equal(await readFile(join(dir, SVID_PEM), 'latin1'), version(80))
  })
})

describe('symlink protection (symlinks: try-secure / secure / insecure)', () => {
  it('refuses to write through an artifact that is a symlink, and leaves its target alone', async () => {
    for (const policy of ['try-secure', 'secure'] as const) {
      const dir = join(root, `link-${policy}`)
      const target = join(root, `target-${policy}`)
      await mkdir(dir)
      await writeFile(target, 'precious')
      await symlink(target, join(dir, SVID_KEY_PEM))
      const d = new DirectoryDestination(dir, policy)
      await d.init()
      await assert.rejects(d.write([{name: SVID_KEY_PEM, data: 'attacker gets this?'}]), (err: unknown) => {
        assert.ok(err instanceof BadParameterError)
        assert.equal(err.message, `refusing to follow the symbolic link ${join(dir, SVID_KEY_PEM)} (destination symlinks: ${policy}); remove the link or set symlinks: insecure`)
        return true
      })
      assert.equal(await readFile(target, 'utf8'), 'precious')
      assert.ok((await lstat(join(dir, SVID_KEY_PEM))).isSymbolicLink())
      await assert.rejects(d.read(SVID_KEY_PEM), BadParameterError)
    }
  })

  it('refuses a dangling symlink too (the link could be created to point anywhere)', async () => {
    const dir = join(root, 'dangling')
    await mkdir(dir)
    await symlink(join(root, 'does-not-exist-yet'), join(dir, JWT_SVID))
    await assert.rejects(new DirectoryDestination(dir).write([{name: JWT_SVID, data: 'x'}]), BadParameterError)
    await assert.rejects(stat(join(root, 'does-not-exist-yet')), {code: 'ENOENT'})
  })

  it('a batch that fails part-way replaces nothing, so the files stay a matching set', async () => {
    const dir = join(root, 'batch')
    const d = new DirectoryDestination(dir)
    await d.init()
    await d.write([{name: SVID_KEY_PEM, data: 'key 1'}, {name: SVID_PEM, data: 'cert 1'}])
    await rm(join(dir, SVID_PEM))
    await symlink(join(root, 'elsewhere'), join(dir, SVID_PEM)) // the second artifact cannot be written
    await assert.rejects(d.write([{name: SVID_KEY_PEM, data: 'key 2'}, {name: SVID_PEM, data: 'cert 2'}]), BadParameterError)
    assert.equal(await readFile(join(dir, SVID_KEY_PEM), 'utf8'), 'key 1', 'the key was not replaced without its certificate')
    assert.deepEqual((await readdir(dir)).sort(), [SVID_PEM, SVID_KEY_PEM].sort(), 'no temp file left behind')
  })

  it('refuses a destination directory that is a symlink', async () => {
    const real = join(root, 'real-dir')
    await mkdir(real)
    const link = join(root, 'dir-link')
    await symlink(real, link)
    await assert.rejects(new DirectoryDestination(link).init(), BadParameterError)
    await new DirectoryDestination(link, 'insecure').init()
  })

  it('insecure: follows the link and replaces its target atomically', async () => {
    const dir = join(root, 'insecure')
    const target = join(root, 'insecure-target')
    await mkdir(dir)
    await writeFile(target, 'old', {mode: 0o644})
    await symlink(target, join(dir, SVID_PEM))
    const d = new DirectoryDestination(dir, 'insecure')
    await d.write([{name: SVID_PEM, data: 'new'}])
    assert.equal(await readlink(join(dir, SVID_PEM)), target)
    assert.equal(await readFile(target, 'utf8'), 'new')
    assert.equal(await mode(target), 0o600)
    assert.equal(new TextDecoder().decode(await d.read(SVID_PEM)), 'new')
  })

  it('rejects artifact names that would escape the directory', async () => {
    const d = new DirectoryDestination(join(root, 'names'))
    await d.init()
    await assert.rejects(d.write([{name: '../x', data: 'x'}]), TypeError)
  })
})

describe('memory destination', () => {
  it('keeps copies of what was written', async () => {
    const d = openDestination({type: 'memory'})
    assert.ok(d instanceof MemoryDestination)
    assert.equal(d.description, 'memory://')
    await d.init()
    const bytes = new Uint8Array([1, 2, 3])
    await d.write([{name: SVID_KEY_PEM, data: 'k'}, {name: SVID_PEM, data: bytes}])
    bytes[0] = 9
    assert.deepEqual(await d.read(SVID_PEM), new Uint8Array([1, 2, 3]))
    assert.deepEqual(d.names(), [SVID_KEY_PEM, SVID_PEM])
    assert.equal(await d.read('nope'), undefined)
  })
})
