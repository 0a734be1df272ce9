import assert from 'node:assert/strict'
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {commitBatch, pendingEntries, recoverBatches, TX_DIR} from '../../../src/lib/storage/journal.js'
import {tempDir} from '../../helpers/tmp.js'

const TXID = '0123456789abcdef'

async function files(dir: string): Promise<string[]> {
  return (await fs.readdir(dir).catch(() => [] as string[])).sort()
}

/** A store root with `a/one` and `a/two` already there. */
async function store(): Promise<string> {
  const root = tempDir()
  await commitBatch(root, [{dir: 'a', file: 'one', data: 'old one'}, {dir: 'a', file: 'two', data: 'old two'}])
  return root
}

/** What a batch looks like on disk once its process staged `staged` files (and maybe wrote its journal). */
async function leftBehind(root: string, staged: Record<string, string>, journal?: unknown): Promise<void> {
  const tx = join(root, TX_DIR)
  await fs.mkdir(join(tx, TXID), {recursive: true})
  for (const [n, data] of Object.entries(staged)) await fs.writeFile(join(tx, TXID, n), data)
  if (journal !== undefined) await fs.writeFile(join(tx, `${TXID}.journal`), typeof journal === 'string' ? journal : JSON.stringify(journal))
}

const JOURNAL = {
  version: 1,
  txid: TXID,
  ops: [{dir: 'a', file: 'one', staged: '0'}, {dir: 'b', file: 'three', staged: '1'}, {dir: 'a', file: 'two'}],
}

describe('commitBatch', () => {
  it('writes, replaces and deletes, 0600 files in 0700 directories, and leaves .tx empty', async () => {
    const root = await store()
    await commitBatch(root, [{dir: 'a', file: 'one', data: 'new one'}, {dir: 'a', file: 'two'}, {dir: 'b', file: 'three', data: '3'}])
    assert.deepEqual(await files(join(root, 'a')), ['one'])
    assert.equal(await fs.readFile(join(root, 'a/one'), 'utf8'), 'new one')
    assert.equal(await fs.readFile(join(root, 'b/three'), 'utf8'), '3')
    assert.equal((await fs.stat(join(root, 'b/three'))).mode & 0o777, 0o600)
    assert.equal((await fs.stat(join(root, 'b'))).mode & 0o777, 0o700)
    assert.deepEqual(await pendingEntries(root), [])
  })

  it('a batch of one change works without a journal', async () => {
    const root = await store()
    await commitBatch(root, [{dir: 'a', file: 'one'}])
    assert.deepEqual(await files(join(root, 'a')), ['two'])
    await commitBatch(root, [{dir: 'c', file: 'x', data: 'x'}])
    assert.equal(await fs.readFile(join(root, 'c/x'), 'utf8'), 'x')
    assert.deepEqual(await pendingEntries(root), [])
  })

  it('a kind directory that is a symbolic link is refused before anything is written', async () => {
    const root = await store()
    const elsewhere = tempDir()
    await fs.symlink(elsewhere, join(root, 'b'))
    await assert.rejects(commitBatch(root, [{dir: 'a', file: 'one', data: 'new'}, {dir: 'b', file: 'x', data: 'x'}]),
      new RegExp(`refusing to follow the symbolic link ${root}/b: links inside the data directory are not allowed`))
    assert.deepEqual(await files(elsewhere), [])
    assert.equal(await fs.readFile(join(root, 'a/one'), 'utf8'), 'old one')
  })
})

describe('recoverBatches: what a killed writer left behind', () => {
  it('staged files without a journal (killed before the commit point): rolled back', async () => {
    const root = await store()
    await leftBehind(root, {0: 'new one', 1: 'three'})
    await fs.writeFile(join(root, TX_DIR, `${TXID}.journal.tmp`), '{"version":1,"txid":"01')
    await recoverBatches(root)
    assert.deepEqual(await files(join(root, 'a')), ['one', 'two'])
    assert.equal(await fs.readFile(join(root, 'a/one'), 'utf8'), 'old one')
    assert.deepEqual(await files(join(root, 'b')), [])
    assert.deepEqual(await pendingEntries(root), [])
  })

  it('a whole journal (killed after the commit point): rolled forward', async () => {
    const root = await store()
    await leftBehind(root, {0: 'new one', 1: 'three'}, JOURNAL)
    await recoverBatches(root)
    assert.deepEqual(await files(join(root, 'a')), ['one'])
    assert.equal(await fs.readFile(join(root, 'a/one'), 'utf8'), 'new one')
    assert.equal(await fs.readFile(join(root, 'b/three'), 'utf8'), 'three')
    assert.deepEqual(await pendingEntries(root), [])
  })

  it('a journal half published (killed among the renames): the rest is completed', async () => {
    const root = await store()
    await leftBehind(root, {1: 'three'}, JOURNAL) // staged file 0 was already renamed over a/one
    await fs.writeFile(join(root, 'a/one'), 'new one')
    await recoverBatches(root)
    assert.equal(await fs.readFile(join(root, 'a/one'), 'utf8'), 'new one')
    assert.equal(await fs.readFile(join(root, 'b/three'), 'utf8'), 'three')
    assert.deepEqual(await files(join(root, 'a')), ['one'])
    assert.deepEqual(await pendingEntries(root), [])
  })

  it('a journal that is not whole, or names paths outside the store, is not replayed', async () => {
    for (const journal of ['{"version":1,"txid":"0123', {...JOURNAL, ops: [{dir: '..', file: 'escape', staged: '0'}]},
      {...JOURNAL, ops: [{dir: 'a', file: '../../escape', staged: '0'}]}, {...JOURNAL, txid: 'fedcba9876543210'}, null]) {
      const root = await store()
      await leftBehind(root, {0: 'new one', 1: 'three'}, journal)
      await recoverBatches(root)
      assert.equal(await fs.readFile(join(root, 'a/one'), 'utf8'), 'old one', JSON.stringify(journal))
      assert.deepEqual(await files(join(root, 'a')), ['one', 'two'])
      assert.deepEqual(await files(join(root, '..')).then((f) => f.includes('escape')), false)
      assert.deepEqual(await pendingEntries(root), [])
    }
  })

  it('a .tx that is a symbolic link is refused, and what it points to is untouched', async () => {
    const root = tempDir()
    const elsewhere = tempDir()
    await fs.writeFile(join(elsewhere, 'precious'), 'x')
    await fs.symlink(elsewhere, join(root, TX_DIR))
    await assert.rejects(recoverBatches(root), /refusing to follow the symbolic link .*\/\.tx/)
    await assert.rejects(commitBatch(root, [{dir: 'a', file: 'x', data: 'x'}]), /refusing to follow the symbolic link .*\/\.tx/)
    assert.deepEqual(await files(elsewhere), ['precious'])
  })
})
