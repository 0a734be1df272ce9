/**
 * Where an output service puts its artifacts (Teleport's lib/tbot/config "Files written"; lib/tbot/botfs).
 *
 * Directory destination:
 * - `init()` creates the directory with mode 0700 when it does not exist (an existing directory keeps
 *   its mode: workloads may need to read it);
 * - every artifact is replaced atomically (temp file + fsync + rename), mode 0600, so a reader sees
 *   the old file or the new one, never a partial one. A batch (`write([...])`) first writes and fsyncs
 *   every temp file, then renames them back to back in the callers' order (the key before its
 *   certificate), then fsyncs the directory once: a reader of two files can catch them mismatched
 *   only between two rename calls (microseconds, not the milliseconds of a write and fsync; it then
 *   sees the next key with the current certificate, and a re-read fixes it), and a failed write
 *   replaces nothing, so the files on disk stay a matching set;
 * - symlinks (Teleport's `symlinks: secure | try-secure | insecure`): in `secure` and `try-secure` (the
 *   default) an artifact path or the destination directory that is a symbolic link is refused with an
 *   error. The temp file is created with O_CREAT|O_EXCL (which never follows a link) and then renamed
 *   over the artifact name, and rename replaces a link rather than writing through it; so even a link
 *   swapped in after the check is never followed. Teleport's secure mode also rejects links in parent
 *   directories (openat2 RESOLVE_NO_SYMLINKS); Node has no openat2, so ancestors are not checked.
 *   `insecure` follows an artifact link and replaces its target atomically instead.
 */
import {promises as fs, constants as fsc, renameSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {BadParameterError} from '../errors.js'
import {stageFile, syncDir, type StagedFile} from '../storage/atomic.js'
import type {DestinationConfig, SymlinkPolicy} from './config/types.js'

/** Artifact file names, exactly as Teleport's code writes them (not as its docs say). */
export const SVID_PEM = 'svid.pem'
export const SVID_KEY_PEM = 'svid_key.pem'
export const SVID_BUNDLE_PEM = 'svid_bundle.pem'
/** The cluster's CRLs (one PEM `X509 CRL` block per trusted SPIFFE CA), written when the cluster sends them. */
export const SVID_CRL_PEM = 'svid_crl.pem'
export const JWT_SVID = 'jwt_svid'

export interface Artifact {
  readonly name: string
  readonly data: string | Uint8Array
}

export interface Destination {
  /** `file:///opt/wi` or `memory://`, for logs. */
  readonly description: string
  /** Make the destination ready; idempotent. */
  init(): Promise<void>
  /** Write the artifacts one after another, in order, each atomically. */
  write(artifacts: readonly Artifact[]): Promise<void>
  /** An artifact's current bytes, or undefined. */
  read(name: string): Promise<Uint8Array | undefined>
}

export function openDestination(config: DestinationConfig): Destination {
  return config.type === 'memory' ? new MemoryDestination() : new DirectoryDestination(config.path, config.symlinks)
}

export class DirectoryDestination implements Destination {
  readonly path: string
  readonly description: string

  constructor(path: string, readonly symlinks: SymlinkPolicy = 'try-secure') {
    this.path = resolve(path)
    this.description = `file://${this.path}`
  }

  async init(): Promise<void> {
    const stat = await lstatOrUndefined(this.path)
    if (stat === undefined) {
      await fs.mkdir(this.path, {recursive: true, mode: 0o700})
      await fs.chmod(this.path, 0o700)
      return
    }
    if (stat.isSymbolicLink()) {
      if (this.symlinks !== 'insecure') throw this.refuse(this.path)
      if (!(await fs.stat(this.path)).isDirectory()) throw new BadParameterError(`destination ${this.path} is not a directory`)
      return
    }
    if (!stat.isDirectory()) throw new BadParameterError(`destination ${this.path} is not a directory`)
  }

  async write(artifacts: readonly Artifact[]): Promise<void> {
    const staged: StagedFile[] = []
    try {
      for (const {name, data} of artifacts) staged.push(await stageFile(await this.targetOf(name), data, 0o600))
      const dirs = new Set(staged.map((f) => dirname(f.target)))
      // Synchronous on purpose: no event-loop turn (nor thread-pool hop) between the renames, so
      // the moment a reader can see the new key beside the old certificate lasts microseconds.
      while (staged.length > 0) {
        const next = staged[0]!
        renameSync(next.tmp, next.target)
        staged.shift()
      }
      for (const dir of dirs) await syncDir(dir)
    } finally {
      await Promise.all(staged.map((f) => fs.rm(f.tmp, {force: true})))
    }
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    const flags = fsc.O_RDONLY | (this.symlinks === 'insecure' ? 0 : fsc.O_NOFOLLOW)
    let handle: fs.FileHandle
    try {
      handle = await fs.open(this.artifactPath(name), flags)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return undefined
      if (code === 'ELOOP') throw this.refuse(this.artifactPath(name))
      throw err
    }
    try {
      return new Uint8Array(await handle.readFile())
    } finally {
      await handle.close()
    }
  }

  /** The path to replace: the artifact, or in `insecure` mode the end of its symlink chain. */
  private async targetOf(name: string): Promise<string> {
    const path = this.artifactPath(name)
    const stat = await lstatOrUndefined(path)
    if (stat?.isSymbolicLink() !== true) return path
    if (this.symlinks !== 'insecure') throw this.refuse(path)
    return realTarget(path)
  }

  private artifactPath(name: string): string {
    if (name === '' || name.includes('/') || name === '.' || name === '..') throw new TypeError(`bad artifact name ${JSON.stringify(name)}`)
    return join(this.path, name)
  }

  private refuse(path: string): BadParameterError {
    return new BadParameterError(
      `refusing to follow the symbolic link ${path} (destination symlinks: ${this.symlinks}); ` +
        'remove the link or set symlinks: insecure',
    )
  }
}

/** A destination in process memory (Teleport's `type: memory`), e.g. for tests and dry runs. */
export class MemoryDestination implements Destination {
  readonly description = 'memory://'
  private readonly files = new Map<string, Uint8Array>()

  async init(): Promise<void> {}

  async write(artifacts: readonly Artifact[]): Promise<void> {
    for (const {name, data} of artifacts) {
      this.files.set(name, typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data))
    }
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    const data = this.files.get(name)
    return data === undefined ? undefined : new Uint8Array(data)
  }

  names(): string[] {
    return [...this.files.keys()]
  }
}

async function lstatOrUndefined(path: string) {
  try {
    return await fs.lstat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** Where a (possibly dangling, possibly chained) link points, so it can be replaced in place. */
async function realTarget(link: string): Promise<string> {
  let path = link
  for (let hops = 0; hops < 40; hops++) {
    const stat = await lstatOrUndefined(path)
    if (stat === undefined || !stat.isSymbolicLink()) return path
    path = resolve(dirname(path), await fs.readlink(path))
  }
  throw new BadParameterError(`too many levels of symbolic links at ${link}`)
}
