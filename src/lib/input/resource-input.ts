/**
 * Reading the file (or stdin) that `tctl create` is given (Teleport's tool/tctl/common/resource_command.go: FILENAME, or stdin when
 * omitted). Bounded in size and checked to be text before any parser sees it; every failure is one
 * InputError line naming the file, never a stack trace.
 */
import {isUtf8} from 'node:buffer'
import {open, type FileHandle} from 'node:fs/promises'
import {InputError} from '../errors.js'
import {readAtMost} from './read-bounded.js'

/** 4 MiB: far above any resource file, small enough that parsing stays quick. */
export const MAX_RESOURCE_INPUT_BYTES = 4 * 1024 * 1024

export const STDIN_NAME = 'stdin'

export interface ResourceInput {
  readonly text: string
  /** The name to show in messages: the path as given, or "stdin". */
  readonly file: string
}

export async function readResourceInput(
  path: string, stdin: NodeJS.ReadableStream = process.stdin,
): Promise<ResourceInput> {
  if (path === '-') return {text: decodeText(await readStream(stdin), STDIN_NAME), file: STDIN_NAME}
  return {text: decodeText(await readFileBounded(path), path), file: path}
}

function tooLarge(file: string, bytes: number | undefined, noun = 'file'): InputError {
  const size = bytes === undefined ? '' : `${bytes} bytes, `
  return new InputError({file}, `${noun} is too large (${size}the limit is ${MAX_RESOURCE_INPUT_BYTES} bytes)`)
}

async function readFileBounded(path: string): Promise<Buffer> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    throw new InputError({file: path}, describeFsError(err))
  }
  try {
    const stat = await handle.stat()
    if (stat.isDirectory()) throw new InputError({file: path}, 'is a directory, not a file')
    if (stat.isFile() && stat.size > MAX_RESOURCE_INPUT_BYTES) throw tooLarge(path, stat.size)
    const bytes = await readAtMost(handle, MAX_RESOURCE_INPUT_BYTES)
    if (bytes === undefined) throw tooLarge(path, stat.isFile() ? MAX_RESOURCE_INPUT_BYTES + 1 : undefined)
    return bytes
  } catch (err) {
    if (err instanceof InputError) throw err
    throw new InputError({file: path}, describeFsError(err))
  } finally {
    await handle.close()
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array)
    length += bytes.length
    if (length > MAX_RESOURCE_INPUT_BYTES) throw tooLarge(STDIN_NAME, undefined, 'input')
    chunks.push(bytes)
  }
  return Buffer.concat(chunks, length)
}

function describeFsError(err: unknown): string {
  const code = (err as {code?: unknown} | null)?.code
  switch (code) {
    case 'ENOENT': return 'no such file or directory'
    case 'EACCES': case 'EPERM': return 'permission denied'
    case 'EISDIR': return 'is a directory, not a file'
    case 'ELOOP': return 'too many levels of symbolic links'
    case 'ENOTDIR': return 'a component of the path is not a directory'
    default: return `cannot read: ${err instanceof Error ? err.message : String(err)}`
  }
}

/** Resource files are UTF-8 text; NUL bytes or invalid UTF-8 mean binary garbage (or UTF-16). */
function decodeText(bytes: Buffer, file: string): string {
  const nul = bytes.indexOf(0)
  if (nul !== -1) throw new InputError({file}, `not a text file (it contains a NUL byte at offset ${nul})`)
  if (!isUtf8(bytes)) throw new InputError({file}, 'not a text file (it is not valid UTF-8)')
  const text = bytes.toString('utf8')
  return text.startsWith('\uFEFF') ? text.slice(1) : text
}
