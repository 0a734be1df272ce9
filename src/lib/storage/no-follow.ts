/**
 * Files inside the data directory, opened without following symbolic links. The directory is private
 * (0700), but a link planted in it (by a restore, another tool, or anyone with a moment of write
 * access) must not redirect a write, feed a forged resource to a reader, or leak another file's bytes
 * into an error. So the last component is opened with O_NOFOLLOW (open(2): fails with ELOOP on a
 * link), and directories are checked with lstat before use, as tbot's destinations are
 * (src/lib/tbot/destination.ts; Teleport's lib/tbot/botfs). Node has no openat2(RESOLVE_NO_SYMLINKS),
 * so a directory swapped for a link between the check and the use is not caught.
 *
 * The audit log appends with APPEND_NO_FOLLOW (or appendFileNoFollow / openAppendNoFollow).
 */
import {promises as fs, constants as fsc, type Stats} from 'node:fs'
import {CorruptStateError} from '../errors.js'

/** Reading: no link at the end, and O_NONBLOCK so a FIFO planted there cannot hang the open. */
export const READ_NO_FOLLOW = fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK
/** Appending to a log: created when missing, never through a link. */
export const APPEND_NO_FOLLOW = fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT | fsc.O_NOFOLLOW

export function linkRefused(path: string): CorruptStateError {
  return new CorruptStateError(`refusing to follow the symbolic link ${path}: links inside the data directory are not allowed; remove it`)
}

function isLinkError(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ELOOP'
}

/**
 * A file's text, or undefined when it does not exist. A link, or anything but a regular file (a FIFO,
 * a directory), is refused with an error naming the path.
 */
export async function readFileNoFollow(path: string): Promise<string | undefined> {
  let text: string
  try {
    // fs.readFile with the flags, not a FileHandle and an fstat of ours: listing 10,000 files costs
    // a quarter more CPU the other way.
    text = await fs.readFile(path, {encoding: 'utf8', flag: READ_NO_FOLLOW})
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (isLinkError(err)) throw linkRefused(path)
    if (code === 'EISDIR' || code === 'EAGAIN') throw notRegularFile(path)
    throw err
  }
  // A FIFO without a writer reads as empty: tell it from an empty file.
  if (text === '' && !(await fs.lstat(path)).isFile()) throw notRegularFile(path)
  return text
}

function notRegularFile(path: string): CorruptStateError {
  return new CorruptStateError(`${path} is not a regular file`)
}

/** Append `data` to the file at `path` (created with `mode` when missing), refusing a link there. */
export async function appendFileNoFollow(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  try {
    await fs.appendFile(path, data, {mode, flag: APPEND_NO_FOLLOW})
  } catch (err) {
    if (isLinkError(err)) throw linkRefused(path)
    throw err
  }
}

/** An append handle on `path` (created with `mode` when missing), refusing a link there. */
export async function openAppendNoFollow(path: string, mode = 0o600): Promise<fs.FileHandle> {
  try {
    return await fs.open(path, APPEND_NO_FOLLOW, mode)
  } catch (err) {
    if (isLinkError(err)) throw linkRefused(path)
    throw err
  }
}

/** lstat, or undefined when nothing is there. */
export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** True when `path` is a directory (not a link to one), false when absent; anything else throws. */
export async function isRealDir(path: string): Promise<boolean> {
  const stat = await lstatOrUndefined(path)
  if (stat === undefined) return false
  if (stat.isSymbolicLink()) throw linkRefused(path)
  if (!stat.isDirectory()) throw new CorruptStateError(`${path} is not a directory`)
  return true
}

/**
 * What JSON.parse said, unless it quotes the text: V8 puts the first bytes of the input in the
 * message ("Unexpected token 'r', \"root:x:0:0\"... is not valid JSON"), and a stored file may hold
 * a secret.
 */
export function jsonErrorDetail(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.includes('"') ? '' : `: ${message}`
}
