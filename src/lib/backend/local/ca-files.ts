/**
 * The data directory's CA: one CA state document (ca/ca-state.ts) in `ca/state.json`, behind the
 * file CaStateStore (storage/file-ca-state-store.ts), created once with the cluster and read through
 * a CaCache by whatever issues. The pin `tctl status` prints is the TLS CA's (the bot CA, which signs
 * the server's certificate and the bot and admin client certificates), as Teleport's is.
 */
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {CaCache} from '../../ca/ca-cache.js'
import type {CaMaterial} from '../../ca/ca-material.js'
import {NotFoundError} from '../../errors.js'
import {ensurePrivateDir, isAtomicTempName} from '../../storage/atomic.js'
import {CA_STATE_FILE, FileCaStateStore, type LegacyCaLayout} from '../../storage/file-ca-state-store.js'
import {isRealDir, linkRefused} from '../../storage/no-follow.js'
import type {DataDirPaths} from './data-dir.js'

/** The CA directory's first layout (ca/ca-store.ts), converted into the document on first read. */
function legacyLayout(paths: DataDirPaths): LegacyCaLayout {
  return {
    async convert() {
      const [{CA_FILES, loadCaMaterial}, {caStateFromMaterial, encodeCaState}] = await Promise.all([
        import('../../ca/ca-store.js'), import('../../ca/ca-state.js'),
      ])
      if (!(await isRealDir(paths.ca))) return undefined
      await refuseCaLinks(paths)
      const names = new Set(await fs.readdir(paths.ca))
      if (!Object.values(CA_FILES).some((n) => names.has(n))) return undefined
      return encodeCaState(caStateFromMaterial(await loadCaMaterial(paths.ca)))
    },
    async remove() {
      const {CA_FILES} = await import('../../ca/ca-store.js')
      for (const name of Object.values(CA_FILES)) await fs.rm(join(paths.ca, name), {force: true})
    },
  }
}

/** The data directory's CaStateStore (LocalBackend takes any other, e.g. a database's). */
export function fileCaStateStore(paths: DataDirPaths): FileCaStateStore {
  return new FileCaStateStore(paths.ca, paths.lock, legacyLayout(paths))
}

/** Called under the data directory's lock, before the cluster file exists. */
export async function initCaMaterial(paths: DataDirPaths, clusterName: string): Promise<void> {
  const [{createCaMaterial}, {caStateFromMaterial, encodeCaState}] = await Promise.all([
    import('../../ca/ca-material.js'), import('../../ca/ca-state.js'),
  ])
  await ensurePrivateDir(paths.ca)
  // An earlier first use killed while writing the CA left temp files: only lock holders write here.
  for (const name of await fs.readdir(paths.ca)) if (isAtomicTempName(name)) await fs.rm(join(paths.ca, name), {force: true})
  const data = encodeCaState(caStateFromMaterial(await createCaMaterial({clusterName, now: () => new Date()})))
  // No cluster file yet, so nothing was ever issued from a document an earlier killed first use left: replace it.
  await new FileCaStateStore(paths.ca, paths.lock).replaceLocked(data)
}

async function refuseCaLinks(paths: DataDirPaths): Promise<void> {
  if (!(await isRealDir(paths.ca))) return
  for (const e of await fs.readdir(paths.ca, {withFileTypes: true})) if (e.isSymbolicLink()) throw linkRefused(join(paths.ca, e.name))
}

/** A cache over the data directory's CA (LocalBackend keeps one; one-off commands make their own). */
export function fileCaCache(paths: DataDirPaths): CaCache {
  return new CaCache(fileCaStateStore(paths), join(paths.ca, CA_STATE_FILE))
}

/** The CA material to sign with now, from `cache` (or read once from the data directory). */
export async function loadCa(paths: DataDirPaths, cache: CaCache = fileCaCache(paths)): Promise<CaMaterial> {
  try {
    return await cache.get()
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(`the data directory ${paths.root} has no CA; was it created by an older version?`)
    throw err
  }
}

export async function caPinsOf(ca: CaMaterial): Promise<string[]> {
  const {caPin} = await import('../../net/ca-pin.js')
  return ca.botTrusted.map((c) => caPin(c.certDer))
}
