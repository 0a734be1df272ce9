import assert from 'node:assert/strict'
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {fileCaCache, fileCaStateStore} from '../../../src/lib/backend/local/ca-files.js'
import {dataDirPaths} from '../../../src/lib/backend/local/data-dir.js'
import {CaCache} from '../../../src/lib/ca/ca-cache.js'
import {caStateFromMaterial, encodeCaState} from '../../../src/lib/ca/ca-state.js'
import {CA_FILES, saveCaMaterial} from '../../../src/lib/ca/ca-store.js'
import {CorruptStateError} from '../../../src/lib/errors.js'
import {sharedCa} from '../../helpers/pki.js'
import {tempDir} from '../../helpers/tmp.js'

describe('FileCaStateStore', () => {
  it('compares and swaps, in a private file', async () => {
    const paths = dataDirPaths(tempDir())
    const store = fileCaStateStore(paths)
    assert.equal(await store.read(), undefined)
    const first = await store.write('{"a":1}', undefined)
    assert.ok(first)
    assert.equal(await store.write('{"a":2}', undefined), undefined, 'something is stored already')
    assert.deepEqual(await store.read(), first)
    const second = await store.write('{"a":2}', first.revision)
    assert.ok(second && second.revision !== first.revision)
    assert.equal(await store.write('{"a":3}', first.revision), undefined, 'a stale revision loses')
    assert.equal((await store.read())?.data, '{"a":2}')
    assert.equal((await fs.stat(store.path)).mode & 0o777, 0o600)
    assert.equal((await fs.stat(paths.ca)).mode & 0o777, 0o700)
  })

  it('refuses a symbolic link in place of the document', async () => {
    const paths = dataDirPaths(tempDir())
    const outside = join(tempDir(), 'secret')
    await fs.writeFile(outside, 'secret')
    await fs.mkdir(paths.ca, {recursive: true})
    await fs.symlink(outside, join(paths.ca, 'state.json'))
    await assert.rejects(fileCaStateStore(paths).read(), (err: unknown) => err instanceof CorruptStateError && /refusing to follow the symbolic link/.test(err.message))
  })

  it('migrates the five-file layout on first read, once', async () => {
    const m = await sharedCa()
    const paths = dataDirPaths(tempDir())
    await saveCaMaterial(paths.ca, m)
    const material = await fileCaCache(paths).get()
    assert.deepEqual(material.spiffeCa.certDer, m.spiffeCa.certDer)
    assert.equal(material.jwtKey.kid, m.jwtKey.kid)
    assert.deepEqual(await fs.readdir(paths.ca), ['state.json'])
    for (const name of Object.values(CA_FILES)) assert.ok(!(await fs.readdir(paths.ca)).includes(name))
    assert.equal((await fileCaStateStore(paths).read())?.data, encodeCaState(caStateFromMaterial(m)))
  })
})

describe('CaCache', () => {
  it('sees another writer after invalidate() or its max age', async () => {
    const a = await sharedCa()
    const b = await sharedCa({clusterName: 'example.org', x509KeyType: 'rsa-2048'})
    const paths = dataDirPaths(tempDir())
    const store = fileCaStateStore(paths)
    const first = await store.write(encodeCaState(caStateFromMaterial(a)), undefined)
    const cache = new CaCache(store, store.path, 60_000)
    const changes: string[] = []
    cache.onChange((m) => changes.push(m.spiffeCa.keyType))
    assert.equal((await cache.get()).spiffeCa.keyType, 'ecdsa-p256')
    await fileCaStateStore(paths).write(encodeCaState(caStateFromMaterial(b)), first!.revision)
    assert.equal((await cache.get()).spiffeCa.keyType, 'ecdsa-p256', 'still fresh')
    cache.invalidate()
    assert.equal((await cache.get()).spiffeCa.keyType, 'rsa-2048')
    assert.deepEqual(changes, ['rsa-2048'])
    const short = new CaCache(store, store.path, 0)
    assert.equal((await short.get()).spiffeCa.keyType, 'rsa-2048')
  })
})
