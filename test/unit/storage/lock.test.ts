import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {acquireLock, withLock} from '../../../src/lib/storage/lock.js'
import {tempDir} from '../../helpers/tmp.js'

/** The module under test, for child processes: dist's .js, or (under tsx) the .ts it maps .js to. */
const LOCK_URL = new URL('../../../src/lib/storage/lock.js', import.meta.url).href

describe('withLock', () => {
  it('serialises critical sections across real processes', async () => {
    const dir = tempDir()
    const counter = join(dir, 'counter')
    await fs.writeFile(counter, '0')
    const lockUrl = LOCK_URL
    // Each child does a read-modify-write with a pause inside the lock; without the lock updates are lost.
    const script = `
      import {withLock} from ${JSON.stringify(lockUrl)}
      import {promises as fs} from 'node:fs'
      for (let i = 0; i < 10; i++) {
        await withLock(${JSON.stringify(join(dir, '.lock'))}, async () => {
          const n = Number(await fs.readFile(${JSON.stringify(counter)}, 'utf8'))
          await new Promise((r) => setTimeout(r, 1))
          await fs.writeFile(${JSON.stringify(counter)}, String(n + 1))
        })
      }`
    const children = Array.from({length: 6}, () => spawn(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {stdio: 'inherit'}))
    const codes = await Promise.all(children.map((c) => new Promise((r) => c.on('exit', r))))
    assert.deepEqual(codes, [0, 0, 0, 0, 0, 0])
    assert.equal(await fs.readFile(counter, 'utf8'), '60')
    await assert.rejects(fs.stat(join(dir, '.lock')), /ENOENT/)
  })

  it('breaks a lock whose holder died (SIGKILL) instead of waiting forever', async () => {
    const dir = tempDir()
    const lock = join(dir, '.lock')
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
    await fs.writeFile(lock, `${child.pid} deadbeef\n`)
    child.kill('SIGKILL')
    await new Promise((r) => child.on('exit', r))
    const result = await withLock(lock, async () => 'got it', {timeoutMs: 5000})
    assert.equal(result, 'got it')
  })

  it('times out with a clear message while a live process holds the lock', async () => {
    const dir = tempDir()
    const lock = join(dir, '.lock')
    const release = await acquireLock(lock)
    const child = spawn(process.execPath, [...process.execArgv, '--input-type=module', '-e',
      `import {acquireLock} from ${JSON.stringify(LOCK_URL)}
       try { await acquireLock(${JSON.stringify(lock)}, {timeoutMs: 200}); process.exit(3) } catch (e) { console.error(e.message); process.exit(1) }`,
    ], {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const code = await new Promise((r) => child.on('exit', r))
    await release()
    assert.equal(code, 1)
    assert.match(stderr, new RegExp(`timed out waiting for the lock .* held by process ${process.pid}`))
  })
})
