/**
 * The data directory's CA material: created once with the cluster, loaded (and cached per
 * directory) by whatever issues. The pin `tctl status` prints is the TLS CA's — the CA that signs
 * the server's certificate and the bot and admin client certificates — as Teleport's is.
 */
import type {CaMaterial} from '../../ca/ca-material.js'
import {NotFoundError} from '../../errors.js'
import {ensurePrivateDir} from '../../storage/atomic.js'
import type {DataDirPaths} from './data-dir.js'

export async function initCaMaterial(paths: DataDirPaths, clusterName: string): Promise<void> {
  const {createCaMaterial} = await import('../../ca/ca-material.js')
  const {saveCaMaterial} = await import('../../ca/ca-store.js')
  await ensurePrivateDir(paths.ca)
  await saveCaMaterial(paths.ca, await createCaMaterial({clusterName, now: () => new Date()}))
}

const loaded = new Map<string, Promise<CaMaterial>>()

export async function loadCa(paths: DataDirPaths): Promise<CaMaterial> {
  let ca = loaded.get(paths.ca)
  if (!ca) {
    ca = import('../../ca/ca-store.js').then((m) => m.loadCaMaterial(paths.ca)).catch((err: unknown) => {
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
