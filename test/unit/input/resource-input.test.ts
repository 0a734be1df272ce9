import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtemp, rm, truncate, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {InputError} from '../../../src/lib/errors.js'
import {MAX_RESOURCE_INPUT_BYTES, readResourceInput} from '../../../src/lib/input/resource-input.js'

let dir = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'svidkit-input-'))
})
after(async () => {
  await rm(dir, {recursive: true, force: true})
})

async function inputError(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`)
    assert.equal(err.code, 'BAD_PARAMETER')
    assert.equal(err.message.includes('\n'), false)
    return err
  }
  return assert.fail('expected an InputError')
}

describe('readResourceInput: files', () => {
  it('reads a UTF-8 file and names it as given', async () => {
    const path = join(dir, 'wi.yaml')
    await writeFile(path, 'kind: role # ünïcødé\n')
    assert.deepEqual(await readResourceInput(path), {text: 'kind: role # ünïcødé\n', file: path})
  })

  it('drops a UTF-8 byte order mark', async () => {
    const path = join(dir, 'bom.yaml')
    await writeFile(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a: 1\n')]))
    assert.equal((await readResourceInput(path)).text, 'a: 1\n')
  })

  it('a missing file is one line naming it', async () => {
    const path = join(dir, 'missing.yaml')
    const err = await inputError(readResourceInput(path))
    assert.equal(err.message, `${path}: no such file or directory`)
    assert.deepEqual(err.location, {file: path})
  })

  it('a directory is refused', async () => {
    assert.equal((await inputError(readResourceInput(dir))).message, `${dir}: is a directory, not a file`)
  })

  it('a 10 MB file is refused by its size, without reading it', async () => {
    const path = join(dir, 'big.yaml')
    await writeFile(path, '')
    await truncate(path, 10_000_000)
    assert.equal((await inputError(readResourceInput(path))).message,
      `${path}: file is too large (10000000 bytes, the limit is 4194304 bytes)`)
  })

  it('a file of exactly the limit is read; one byte more is refused', async () => {
    const path = join(dir, 'limit.yaml')
    await writeFile(path, '#'.repeat(MAX_RESOURCE_INPUT_BYTES))
    assert.equal((await readResourceInput(path)).text.length, MAX_RESOURCE_INPUT_BYTES)
    await writeFile(path, '#'.repeat(MAX_RESOURCE_INPUT_BYTES + 1))
    assert.equal((await inputError(readResourceInput(path))).reason,
      `file is too large (${MAX_RESOURCE_INPUT_BYTES + 1} bytes, the limit is 4194304 bytes)`)
  })

  it('binary garbage with NUL bytes is not a text file', async () => {
    const path = join(dir, 'garbage.bin')
    await writeFile(path, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]))
    assert.equal((await inputError(readResourceInput(path))).message, `${path}: not a text file (it contains a NUL byte at offset 7)`)
  })

  it('invalid UTF-8 is not a text file', async () => {
    const path = join(dir, 'latin1.yaml')
    await writeFile(path, Buffer.from('name: caf\xe9\n', 'latin1'))
    assert.equal((await inputError(readResourceInput(path))).message, `${path}: not a text file (it is not valid UTF-8)`)
  })

  it('UTF-16 text is refused as not text (it is full of NUL bytes)', async () => {
    const path = join(dir, 'utf16.yaml')
    await writeFile(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('kind: role\n', 'utf16le')]))
    assert.match((await inputError(readResourceInput(path))).message, /: not a text file \(it contains a NUL byte at offset 3\)$/)
  })
})

describe('readResourceInput: stdin', () => {
  it('"-" reads the given stream, named stdin', async () => {
    const stdin = Readable.from([Buffer.from('kind: '), Buffer.from('role\n')])
    assert.deepEqual(await readResourceInput('-', stdin), {text: 'kind: role\n', file: 'stdin'})
  })

  it('too much input on stdin is refused', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x23)
    const stdin = Readable.from(Array.from({length: 5}, () => chunk))
    assert.equal((await inputError(readResourceInput('-', stdin))).message,
      'stdin: input is too large (the limit is 4194304 bytes)')
  })

  it('binary garbage on stdin is refused', async () => {
    const stdin = Readable.from([Buffer.from([0x00, 0x01, 0x02])])
    assert.equal((await inputError(readResourceInput('-', stdin))).message, 'stdin: not a text file (it contains a NUL byte at offset 0)')
  })
})
