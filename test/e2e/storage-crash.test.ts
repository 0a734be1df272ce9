/**
 * Hardening: a multi-document `tctl create` is all-or-nothing in storage, through the real binary.
 * Killed (SIGKILL) at random moments, or failing on a full disk, it leaves either every document or
 * none once the data directory is next opened, and no temp file behind.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {promises as fs, mkdtempSync, rmSync, watch} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {cliEnv, run, start} from '../helpers/cli.js'
import {tempDir} from '../helpers/tmp.js'

const DOCS = 3000

const wi = (name: string) => `kind: workload_identity\nversion: v1\nmetadata:\n  name: ${name}\nspec:\n  spiffe:\n    id: /svc/${name}\n`
const manyDocs = (n: number, prefix = 'k') => Array.from({length: n}, (_, i) => wi(`${prefix}-${i}`)).join('---\n')

/** How many workload identities the data directory holds, as a fresh `tctl get` (which opens it) sees. */
function storedCount(dataDir: string): number {
  const r = run('tctl', ['get', 'workload_identity', '--format', 'json'], {env: cliEnv({SVIDKIT_DATA_DIR: dataDir})})
  assert.equal(r.code, 0, r.stderr)
  return (JSON.parse(r.stdout) as unknown[]).length
}

/** Every path under the data directory that is not state: temp files, lock temps, batches in flight. */
async function leftovers(dataDir: string): Promise<string[]> {
  const found: string[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, {withFileTypes: true})) {
      const path = join(dir, e.name)
      const rel = relative(dataDir, path)
      if (rel.startsWith('resources/.tx/') || e.name.endsWith('.tmp') || /^\.lock\./.test(e.name)) found.push(rel)
      if (e.isDirectory()) await walk(path)
    }
  }
  await walk(dataDir)
  return found
}

describe('tctl create of 3,000 documents killed at random moments', () => {
  const base = tempDir()
  const template = join(base, 'template')
  const file = join(base, 'many.yaml')
  const oneMore = join(base, 'one-more.yaml')
  let fullRunMs = 0

  before(async () => {
    assert.equal(run('tctl', ['init', '--cluster-name', 'example.test'], {env: cliEnv({SVIDKIT_DATA_DIR: template})}).code, 0)
    await fs.writeFile(file, manyDocs(DOCS))
    await fs.writeFile(oneMore, wi('one-more'))
  })

  /** A copy of a freshly initialised data directory, and `tctl create -f` of the documents into it. */
  async function startCreate(name: string) {
    const dataDir = join(base, name)
    await fs.cp(template, dataDir, {recursive: true})
    return {dataDir, p: start('tctl', ['create', '-f', file], {env: cliEnv({SVIDKIT_DATA_DIR: dataDir})})}
  }

  async function assertAllOrNothing(dataDir: string): Promise<number> {
    const n = storedCount(dataDir)
    assert.ok(n === 0 || n === DOCS, `${n} of ${DOCS} stored`)
    assert.deepEqual(await leftovers(dataDir), [])
    // The dead writer's lock does not block the next one.
    const r = run('tctl', ['create', oneMore], {env: cliEnv({SVIDKIT_DATA_DIR: dataDir})})
    assert.equal(r.code, 0, r.stderr)
    return n
  }

  it('uninterrupted: all stored, nothing left over (and how long it takes)', async () => {
    const {dataDir, p} = await startCreate('full')
    const t0 = Date.now()
    const r = await p.done
    fullRunMs = Date.now() - t0
    assert.equal(r.code, 0, r.stderr)
    assert.equal(storedCount(dataDir), DOCS)
    assert.deepEqual(await leftovers(dataDir), [])
  })

  it('killed at random moments of a whole run: 0 or 3,000 stored after the next open, no temp files', async (t) => {
    for (let i = 0; i < 2; i++) {
      const {dataDir, p} = await startCreate(`random-${i}`)
      const delay = Math.random() * Math.max(fullRunMs, 1000)
      await Promise.race([new Promise((r) => setTimeout(r, delay)), p.done])
      p.child.kill('SIGKILL')
      const r = await p.done
      t.diagnostic(`run ${i}: killed after ${Math.round(delay)} ms (${r.signal ?? `exit ${r.code}`}); ${await assertAllOrNothing(dataDir)} stored`)
    }
  })

  it('killed while publishing (its journal is on disk): rolled forward to all 3,000', async (t) => {
    for (let i = 0; i < 1; i++) {
      const dataDir = join(base, `publish-${i}`)
      await fs.cp(template, dataDir, {recursive: true})
      const tx = join(dataDir, 'resources', '.tx')
      await fs.mkdir(tx, {mode: 0o700})
      // From the journal's appearance to its removal the batch is being published: kill at once.
      const watcher = watch(tx)
      const p = start('tctl', ['create', '-f', file], {env: cliEnv({SVIDKIT_DATA_DIR: dataDir})})
      watcher.on('change', (_, name) => {
        if (String(name).endsWith('.journal')) p.child.kill('SIGKILL')
      })
      const r = await p.done
      watcher.close()
      t.diagnostic(`run ${i}: ${r.signal ?? `exit ${r.code}`}; ${await assertAllOrNothing(dataDir)} stored`)
    }
  })
})

describe('tctl create on a full disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svidkit-tmpfs-'))
  let mountPoint: string | undefined

  before(() => {
    // 512 KiB of tmpfs: room for the cluster and its CA, not for 400 files of a page each.
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k,mode=0700', 'tmpfs', dir]).status === 0) mountPoint = dir
  })
  after(() => {
    if (mountPoint !== undefined) spawnSync('umount', [mountPoint])
    rmSync(dir, {recursive: true, force: true})
  })

  it('fails, stores none of the 400 documents, frees what it staged, and the directory stays usable', async (t) => {
    if (mountPoint === undefined) return t.skip('cannot mount a tmpfs here (needs root)')
    const dataDir = join(mountPoint, 'data')
    const env = cliEnv({SVIDKIT_DATA_DIR: dataDir})
    assert.equal(run('tctl', ['init', '--cluster-name', 'example.test'], {env}).code, 0)
    const file = join(tempDir(), 'four-hundred.yaml')
    await fs.writeFile(file, manyDocs(400))
    const free = async () => (await fs.statfs(mountPoint!)).bfree
    const freeBefore = await free()

    const r = run('tctl', ['create', '-f', file], {env})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERROR: .*ENOSPC: no space left on device/)
    assert.equal(storedCount(dataDir), 0)
    assert.deepEqual(await leftovers(dataDir), [])
    assert.equal(await free(), freeBefore)

    await fs.writeFile(file, manyDocs(3, 'small'))
    assert.equal(run('tctl', ['create', file], {env}).code, 0)
    assert.equal(storedCount(dataDir), 3)
  })
})
