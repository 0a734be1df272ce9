import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {FileResourceStore} from '../../../src/lib/storage/file-store.js'
import {pendingEntries, TX_DIR} from '../../../src/lib/storage/journal.js'
import {parseResourceValue} from '../../../src/lib/resources/parse.js'
import type {Resource} from '../../../src/lib/resources/types.js'
import {tempDir} from '../../helpers/tmp.js'

const SECRET = 'root:$6$very-secret-hash:19000:0:99999:7:::'

const wi = (name: string): Resource =>
  parseResourceValue({kind: 'workload_identity', version: 'v1', metadata: {name}, spec: {spiffe: {id: `/svc/${name}`}}}, {file: 'test'})

async function storeWith(...names: string[]) {
  const dir = tempDir()
  const store = new FileResourceStore(join(dir, 'resources'), join(dir, '.lock'))
  await store.transact(async (tx) => {
    for (const n of names) tx.put(wi(n))
  })
  return {dir, store, kindDir: join(dir, 'resources', 'workload_identity')}
}

/** A file outside the data directory holding a secret. */
async function secretFile(): Promise<string> {
  const file = join(tempDir(), 'shadow')
  await fs.writeFile(file, SECRET)
  return file
}

const refused = (path: string) => (err: Error) => {
  assert.equal(err.message, `refusing to follow the symbolic link ${path}: links inside the data directory are not allowed; remove it`)
  assert.ok(!err.message.includes('very-secret'))
  return true
}

describe('FileResourceStore: no symbolic links inside the store', () => {
  it('a resource file that is a link is refused by get and list, naming it, and none of its bytes are echoed', async () => {
    const {store, kindDir} = await storeWith('a')
    const link = join(kindDir, 'b.json')
    await fs.symlink(await secretFile(), link)
    await assert.rejects(store.get('workload_identity', 'b'), refused(link))
    await assert.rejects(store.list('workload_identity'), refused(link))
    await assert.rejects(store.transact(async (tx) => tx.get('workload_identity', 'b')), refused(link))
    assert.equal((await store.get('workload_identity', 'a'))?.metadata.name, 'a')
  })

  it('a kind directory that is a link is refused for reads and writes; nothing is written through it', async () => {
    const {dir, store} = await storeWith('a')
    const elsewhere = tempDir()
    await fs.writeFile(join(elsewhere, 'planted.json'), JSON.stringify(wi('planted')))
    const link = join(dir, 'resources', 'role')
    await fs.symlink(elsewhere, link)
    await assert.rejects(store.list('role'), refused(link))
    await assert.rejects(store.get('role', 'planted'), refused(link))
    const role = parseResourceValue({kind: 'role', version: 'v6', metadata: {name: 'r'}, spec: {}}, {file: 'test'})
    await assert.rejects(store.transact(async (tx) => void tx.put(role)), refused(link))
    assert.deepEqual(await fs.readdir(elsewhere), ['planted.json'])
  })

  it('a FIFO planted as a resource file is refused, not waited on', async () => {
    const {store, kindDir} = await storeWith('a')
    const fifo = join(kindDir, 'f.json')
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0)
    await assert.rejects(store.get('workload_identity', 'f'), new RegExp(`CorruptStateError: ${fifo} is not a regular file`))
    await assert.rejects(store.list('workload_identity'), /is not a regular file/)
  })
})

describe('FileResourceStore: reading back', () => {
  it('a corrupt file is reported by name without echoing its bytes', async () => {
    const {store, kindDir} = await storeWith('a')
    await fs.writeFile(join(kindDir, 'a.json'), SECRET)
    await assert.rejects(store.get('workload_identity', 'a'), (err: Error) => {
      assert.equal(err.message, `stored resource ${join(kindDir, 'a.json')} is not valid JSON`)
      return true
    })
    await fs.writeFile(join(kindDir, 'a.json'), '{"kind": "workload_identity", trunc')
    await assert.rejects(store.get('workload_identity', 'a'), /is not valid JSON: Expected double-quoted property name in JSON at position \d+/)
  })

  it('a resource whose name starts with a dot is listed', async () => {
    const {store} = await storeWith('.dot', 'plain')
    assert.deepEqual((await store.list('workload_identity')).map((r) => r.metadata.name), ['.dot', 'plain'])
  })

  it('a transaction first finishes a batch a killed writer committed, then sees it', async () => {
    const {dir, store, kindDir} = await storeWith('a')
    const tx = join(dir, 'resources', TX_DIR)
    const txid = 'aaaaaaaaaaaaaaaa'
    await fs.mkdir(join(tx, txid))
    await fs.writeFile(join(tx, txid, '0'), JSON.stringify(wi('b')))
    await fs.writeFile(join(tx, `${txid}.journal`), JSON.stringify({
      version: 1, txid, ops: [{dir: 'workload_identity', file: 'b.json', staged: '0'}, {dir: 'workload_identity', file: 'a.json'}],
    }))
    const seen = await store.transact(async (t) => (await t.list('workload_identity')).map((r) => r.metadata.name))
    assert.deepEqual(seen, ['b'])
    assert.deepEqual(await fs.readdir(kindDir), ['b.json'])
    assert.deepEqual(await pendingEntries(join(dir, 'resources')), [])
  })
})
