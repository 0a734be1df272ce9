import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {ensurePrivateDir} from '../../../src/lib/storage/atomic.js'
import {appendFileNoFollow, isRealDir, openAppendNoFollow, readFileNoFollow} from '../../../src/lib/storage/no-follow.js'
import {tempDir} from '../../helpers/tmp.js'

const refusal = (path: string) => new RegExp(`^CorruptStateError: refusing to follow the symbolic link ${path}: links inside the data directory are not allowed; remove it$`)

/** A directory holding `target` (a file outside the data directory's rules) and `link` → target. */
async function planted() {
  const dir = tempDir()
  const target = join(dir, 'target')
  await fs.writeFile(target, 'precious\n')
  const link = join(dir, 'link')
  await fs.symlink(target, link)
  return {dir, target, link}
}

describe('appending without following links (for the audit log)', () => {
  it('creates the file 0600 and appends to it', async () => {
    const file = join(tempDir(), 'audit.log')
    await appendFileNoFollow(file, 'one\n')
    await appendFileNoFollow(file, Buffer.from('two\n'))
    const handle = await openAppendNoFollow(file)
    await handle.write('three\n')
    await handle.close()
    assert.equal(await fs.readFile(file, 'utf8'), 'one\ntwo\nthree\n')
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600)
  })

  it('refuses a link, naming it, and the target gets nothing', async () => {
    const {target, link} = await planted()
    await assert.rejects(appendFileNoFollow(link, 'x\n'), refusal(link))
    await assert.rejects(openAppendNoFollow(link), refusal(link))
    assert.equal(await fs.readFile(target, 'utf8'), 'precious\n')
  })
})

describe('readFileNoFollow', () => {
  it('reads a regular file; undefined when absent', async () => {
    const {target, dir} = await planted()
    assert.equal(await readFileNoFollow(target), 'precious\n')
    assert.equal(await readFileNoFollow(join(dir, 'absent')), undefined)
  })

  it('refuses a link (dangling too), a FIFO and a directory', async () => {
    const {dir, link} = await planted()
    await assert.rejects(readFileNoFollow(link), refusal(link))
    const dangling = join(dir, 'dangling')
    await fs.symlink(join(dir, 'nowhere'), dangling)
    await assert.rejects(readFileNoFollow(dangling), refusal(dangling))
    const fifo = join(dir, 'fifo')
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0)
    await assert.rejects(readFileNoFollow(fifo), new RegExp(`^CorruptStateError: ${fifo} is not a regular file$`))
    await assert.rejects(readFileNoFollow(dir), /is not a regular file/)
  })
})

describe('directories', () => {
  it('isRealDir: true for a directory, false when absent; a link or a file throws', async () => {
    const {dir, target} = await planted()
    assert.equal(await isRealDir(dir), true)
    assert.equal(await isRealDir(join(dir, 'absent')), false)
    const dirLink = join(dir, 'dir-link')
    await fs.symlink(dir, dirLink)
    await assert.rejects(isRealDir(dirLink), refusal(dirLink))
    await assert.rejects(isRealDir(target), /is not a directory/)
  })

  it('ensurePrivateDir creates 0700 and tightens; refuses a link unless told the link is allowed', async () => {
    const dir = tempDir()
    const sub = join(dir, 'a', 'b')
    await ensurePrivateDir(sub)
    assert.equal((await fs.stat(sub)).mode & 0o777, 0o700)
    await fs.chmod(sub, 0o755)
    await ensurePrivateDir(sub)
    assert.equal((await fs.stat(sub)).mode & 0o777, 0o700)
    const link = join(dir, 'link')
    await fs.symlink(sub, link)
    await assert.rejects(ensurePrivateDir(link), refusal(link))
    await ensurePrivateDir(link, {allowLink: true})
  })
})
