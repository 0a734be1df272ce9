/**
 * The data directory's CA material: created once with the cluster, loaded (and cached per
 * directory) by whatever issues. The pin `tctl status` prints is the TLS CA's — the CA that signs
 * the server's certificate and the bot and admin client certificates — as Teleport's is.
 */
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import type {CaMaterial} from '../../ca/ca-material.js'
import {NotFoundError} from '../../errors.js'
import {ensurePrivateDir, isAtomicTempName} from '../../storage/atomic.js'
import {isRealDir, linkRefused} from '../../storage/no-follow.js'
import type {DataDirPaths} from './data-dir.js'

/** Called under the data directory's lock, before the cluster file exists. */
export async function initCaMaterial(paths: DataDirPaths, clusterName: string): Promise<void> {
  const {createCaMaterial} = await import('../../ca/ca-material.js')
  const {saveCaMaterial} = await import('../../ca/ca-store.js')
  await ensurePrivateDir(paths.ca)
  // An earlier first use killed while writing the CA left temp files: only lock holders write here.
  for (const name of await fs.readdir(paths.ca)) if (isAtomicTempName(name)) await fs.rm(join(paths.ca, name), {force: true})
  await saveCaMaterial(paths.ca, await createCaMaterial({clusterName, now: () => new Date()}))
}

/** The CA directory and its files are read by ca-store.ts with plain opens: refuse links there first. */
async function refuseCaLinks(paths: DataDirPaths): Promise<void> {
  if (!(await isRealDir(paths.ca))) return
  for (const e of await fs.readdir(paths.ca, {withFileTypes: true})) if (e.isSymbolicLink()) throw linkRefused(join(paths.ca, e.name))
}

const loaded = new Map<string, Promise<CaMaterial>>()

export async function loadCa(paths: DataDirPaths): Promise<CaMaterial> {
  let ca = loaded.get(paths.ca)
  if (!ca) {
    ca = refuseCaLinks(paths).then(() => import('../../ca/ca-store.js')).then((m) => m.loadCaMaterial(paths.ca)).catch((err: unknown) => {
      loaded.delete(paths.ca)
      if (err instanceof NotFoundError) throw new NotFoundError(`the data directory ${paths.root} has no CA; was it created by an older version?`)
      throw err
    })
    loaded.set(paths.ca, ca)
  }
  return ca
}

export async function caPins(paths: DataDirPaths): Promise<string[]> {
  const ca = await loadCa(paths)
  const {caPin} = await import('../../net/ca-pin.js')
  return [caPin(ca.botCa.certDer)]
}
