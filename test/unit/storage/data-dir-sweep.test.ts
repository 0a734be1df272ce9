import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {openDataDir} from '../../../src/lib/backend/local/data-dir.js'
import {tempDir} from '../../helpers/tmp.js'

const LOCK_URL = new URL('../../../src/lib/storage/lock.js', import.meta.url).href
const open = (root: string) => openDataDir(root, {create: true, clusterName: 'example.test', initCa: async () => {}})

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'])
  await new Promise((r) => child.on('exit', r))
  return child.pid!
}

/** What a process killed in the middle of a batch and of a cluster file write leaves behind. */
async function plantLeftovers(root: string): Promise<void> {
  const pid = await deadPid()
  await fs.writeFile(join(root, '.lock'), `${pid} - - 0011223344556677\n`)
  await fs.writeFile(join(root, `.lock.${pid}.0badc0de`), 'x')
  await fs.writeFile(join(root, `.cluster.json.${pid}.0123456789ab.tmp`), '{')
  await fs.mkdir(join(root, 'resources/.tx/0123456789abcdef'), {recursive: true})
  await fs.writeFile(join(root, 'resources/.tx/0123456789abcdef/0'), '{}')
}

describe('opening the data directory cleans up after a killed writer', () => {
  it('removes a batch that never committed, temp files and lock temps, and the dead writer\'s lock', async () => {
    const root = join(tempDir(), 'data')
    await open(root)
    await plantLeftovers(root)
    const {created} = await open(root)
    assert.equal(created, false)
    assert.deepEqual((await fs.readdir(root)).sort(), ['cluster.json', 'resources'])
    assert.deepEqual(await fs.readdir(join(root, 'resources/.tx')), [])
  })

  it('leaves things alone, without waiting, while a live process holds the lock (its batch may be in flight)', async () => {
    const root = join(tempDir(), 'data')
    await open(root)
    await plantLeftovers(root)
    await fs.rm(join(root, '.lock'))
    const holder = spawn(process.execPath, [...process.execArgv, '--input-type=module', '-e',
      `import {acquireLock} from ${JSON.stringify(LOCK_URL)}
       await acquireLock(${JSON.stringify(join(root, '.lock'))}); console.log('held'); setInterval(() => {}, 1000)`,
    ], {stdio: ['ignore', 'pipe', 'inherit']})
    try {
      await new Promise((resolve) => holder.stdout.once('data', resolve))
      await open(root)
      assert.deepEqual(await fs.readdir(join(root, 'resources/.tx')), ['0123456789abcdef'])
      assert.ok((await fs.readdir(root)).some((n) => n.endsWith('.tmp')))
    } finally {
      holder.kill('SIGKILL')
      await new Promise((r) => holder.on('exit', r))
    }
    await open(root)
    assert.deepEqual((await fs.readdir(root)).sort(), ['cluster.json', 'resources'])
    assert.deepEqual(await fs.readdir(join(root, 'resources/.tx')), [])
  })

  it('the data directory itself may be a link; a link among its own entries is refused', async () => {
    const dir = tempDir()
    await open(join(dir, 'real'))
    await fs.symlink(join(dir, 'real'), join(dir, 'data'))
    assert.equal((await open(join(dir, 'data'))).info.clusterName, 'example.test')
    await fs.symlink(join(dir, 'elsewhere'), join(dir, 'real', 'audit.log'))
    await assert.rejects(open(join(dir, 'data')), new RegExp(`refusing to follow the symbolic link ${dir}/data/audit\\.log`))
  })
})
