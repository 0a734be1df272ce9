/**
 * Crash-safe file replacement: write a temp file in the same directory, fsync it, rename it over the
 * target, fsync the directory. A reader sees the old file or the new one, never a partial one, and a
 * SIGKILL at any point leaves the target readable (and at worst a temp file, which the data
 * directory's next opener removes: see isAtomicTempName).
 */
import {randomBytes} from 'node:crypto'
import {promises as fs, constants as fsc} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {CorruptStateError} from '../errors.js'
import {linkRefused, lstatOrUndefined} from './no-follow.js'

export interface AtomicWriteOptions {
  /** File mode; secrets use 0o600 (the default). */
  readonly mode?: number
  /** fsync the directory after the rename (default true). A batch of writes syncs it once at the end. */
  readonly syncDir?: boolean
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const {tmp} = await stageFile(path, data, options.mode ?? 0o600)
  try {
    await fs.rename(tmp, path)
  } catch (err) {
    await fs.rm(tmp, {force: true})
    throw err
  }
  if (options.syncDir !== false) await syncDir(dirname(path))
}

export interface StagedFile {
  readonly tmp: string
  readonly target: string
}

/** `.<target>.<pid>.<12 hex>.tmp`: the temp name stageFile uses. */
const TEMP_NAME = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/

/** Whether a directory entry is a temp file of stageFile/writeFileAtomic (left behind if killed). */
export function isAtomicTempName(name: string): boolean {
  return TEMP_NAME.test(name)
}

/**
 * The first half of an atomic write: `data` in a new temp file beside `target` (O_CREAT|O_EXCL, so
 * never through a link), with `mode`, fsynced. The caller renames it over `target` or removes it.
 */
export async function stageFile(target: string, data: string | Uint8Array, mode: number): Promise<StagedFile> {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  await writeNewFile(tmp, data, mode)
  return {tmp, target}
}

/**
 * Create `path` (it must not exist: O_EXCL, which also never follows a link) holding `data` with
 * `mode`, fsynced. On failure (a full disk) nothing is left behind.
 */
export async function writeNewFile(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const handle = await fs.open(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode)
  try {
    await handle.writeFile(data)
    await handle.chmod(mode) // the umask may have narrowed it
    await handle.sync()
  } catch (err) {
    await handle.close()
    await fs.rm(path, {force: true})
    throw err
  }
  await handle.close()
}

/** fsync a directory so a rename or unlink in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, fsc.O_RDONLY | fsc.O_DIRECTORY)
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Create a private state directory (0700), tightening the mode if it already exists. A symbolic link
 * there is refused (a data directory's subdirectories are never links), unless `allowLink` (the data
 * directory itself may be a link the user made).
 */
export async function ensurePrivateDir(dir: string, options: {allowLink?: boolean} = {}): Promise<void> {
  const stat = await lstatOrUndefined(dir)
  if (stat === undefined) {
    await fs.mkdir(dir, {recursive: true, mode: 0o700})
  } else if (stat.isSymbolicLink()) {
    if (options.allowLink !== true) throw linkRefused(dir)
  } else if (!stat.isDirectory()) {
    throw new CorruptStateError(`${dir} is not a directory`)
  }
  await fs.chmod(dir, 0o700)
}
