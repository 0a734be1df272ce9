import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {promises as fs, existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {acquireLock, removeAbandonedLockTemps, tryAcquireLock, withLock} from '../../../src/lib/storage/lock.js'
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

const PROC = existsSync('/proc/sys/kernel/random/boot_id') && existsSync('/proc/1/stat')
const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
/** Field 22 of /proc/<pid>/stat (proc(5)): the process's start time in clock ticks after boot. */
const startTime = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!
}

/** A child process that holds the lock until killed; resolves once it holds it. */
async function childHolding(lock: string) {
  const child = spawn(process.execPath, [...process.execArgv, '--input-type=module', '-e',
    `import {acquireLock} from ${JSON.stringify(LOCK_URL)}
     await acquireLock(${JSON.stringify(lock)}); console.log('held'); setInterval(() => {}, 1000)`,
  ], {stdio: ['ignore', 'pipe', 'inherit']})
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => resolve())
    child.on('exit', (code) => reject(new Error(`the holder exited with ${code}`)))
  })
  return child
}

describe('stale locks are recognised by more than the pid', {skip: PROC ? false : 'needs Linux /proc'}, () => {
  it('a lock naming pid 1 (alive) with another start time is broken at once', async () => {
    const lock = join(tempDir(), '.lock')
    await fs.writeFile(lock, `1 ${bootId()} ${Number(startTime(1)) + 1} deadbeefdeadbeef\n`)
    // timeoutMs 0: the first attempt must break it, there is no second one.
    const release = await acquireLock(lock, {timeoutMs: 0})
    assert.match(await fs.readFile(lock, 'utf8'), new RegExp(`^${process.pid} ${bootId()} ${startTime(process.pid)} [0-9a-f]{16}\n$`))
    await release()
    await assert.rejects(fs.stat(lock), /ENOENT/)
  })

  it('a lock naming this very process (pid reuse: pid 1 in a restarted container) with another start time is broken', async () => {
    const lock = join(tempDir(), '.lock')
    await fs.writeFile(lock, `${process.pid} ${bootId()} ${Number(startTime(process.pid)) + 1} 00\n`)
    await (await acquireLock(lock, {timeoutMs: 0}))()
  })

  it('a lock written before a reboot (another boot id) is broken at once, even though its pid is alive', async () => {
    const lock = join(tempDir(), '.lock')
    const other = bootId().replace(/^./, (c) => (c === '0' ? '1' : '0'))
    await fs.writeFile(lock, `1 ${other} ${startTime(1)} 00\n`)
    await (await acquireLock(lock, {timeoutMs: 0}))()
  })

  it('a live holder (a real child process) still excludes; once it is killed the lock is taken at once', async () => {
    const lock = join(tempDir(), '.lock')
    const holder = await childHolding(lock)
    try {
      const content = await fs.readFile(lock, 'utf8')
      assert.match(content, new RegExp(`^${holder.pid} ${bootId()} ${startTime(holder.pid!)} [0-9a-f]{16}\n$`))
      assert.equal(await tryAcquireLock(lock), undefined)
      await assert.rejects(acquireLock(lock, {timeoutMs: 300}), (err: Error) => {
        assert.equal(err.message, `timed out waiting for the lock ${lock} held by process ${holder.pid}; ` +
          `if no tctl, tbot or teleport process is using this data directory, remove ${lock} and try again`)
        return true
      })
      assert.equal(await fs.readFile(lock, 'utf8'), content, 'the live holder\'s lock is untouched')
    } finally {
      holder.kill('SIGKILL')
      await new Promise((r) => holder.on('exit', r))
    }
    const release = await tryAcquireLock(lock)
    assert.ok(release, 'the dead holder\'s lock is broken at once')
    await release()
  })

  it('a lock in the earlier "pid nonce" form is judged by its pid: a live one excludes', async () => {
    const lock = join(tempDir(), '.lock')
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
    try {
      await fs.writeFile(lock, `${holder.pid} deadbeef\n`)
      assert.equal(await tryAcquireLock(lock), undefined)
    } finally {
      holder.kill('SIGKILL')
      await new Promise((r) => holder.on('exit', r))
    }
  })
})

describe('the lock file itself', () => {
  it('a symbolic link planted as the lock is refused with its path, and its target is untouched', async () => {
    const dir = tempDir()
    const target = join(dir, 'target')
    await fs.writeFile(target, 'precious\n')
    await fs.symlink(target, join(dir, '.lock'))
    await assert.rejects(acquireLock(join(dir, '.lock'), {timeoutMs: 0}),
      new RegExp(`^CorruptStateError: refusing to follow the symbolic link ${dir}/\\.lock: links inside the data directory are not allowed; remove it$`))
    assert.equal(await fs.readFile(target, 'utf8'), 'precious\n')
  })

  it('temp files of a lock attempt killed midway are removed when their process is gone', async () => {
    const dir = tempDir()
    const lock = join(dir, '.lock')
    const dead = spawn(process.execPath, ['-e', '0'])
    await new Promise((r) => dead.on('exit', r))
    await fs.writeFile(join(dir, `.lock.${dead.pid}.0badc0de`), 'x')
    await fs.writeFile(join(dir, `.lock.${process.pid}.0badc0de`), 'x') // a live process's, in flight
    await fs.writeFile(join(dir, 'other'), 'x')
    await removeAbandonedLockTemps(lock, await fs.readdir(dir))
    assert.deepEqual((await fs.readdir(dir)).sort(), [`.lock.${process.pid}.0badc0de`, 'other'])
  })
})
