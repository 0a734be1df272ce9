/**
 * `tctl auth sign --user admin --out FILE`: on the cluster's host (it needs the CA key in the data
 * directory), mint an admin identity file for `tctl --auth-server URL --identity FILE` elsewhere.
 */
import {promises as fs} from 'node:fs'
import {AlreadyExistsError} from '../lib/errors.js'

export interface SignOptions {
  readonly dataDir?: string
  /** A server's teleport.yaml (tctl -c): sign with the CA in the storage it names. */
  readonly config?: string
  readonly user: string
  readonly ttlMs: number
  readonly out: string
  readonly overwrite: boolean
}

export async function signIdentityFile(o: SignOptions): Promise<{expiresAt: Date}> {
  const [{openLocalBackend}, {signAdminIdentity}, {encodeIdentityFile}, {writeFileAtomic}] = await Promise.all([
    import('./admin.js'), import('../lib/backend/admin-identity.js'),
    import('../lib/backend/identity-file.js'), import('../lib/storage/atomic.js'),
  ])
  if (!o.overwrite && (await exists(o.out))) throw new AlreadyExistsError(`${o.out} already exists; pass --overwrite to replace it`)
  const backend = await openLocalBackend({'data-dir': o.dataDir, config: o.config}, '', {create: false})
  const ca = await backend.loadCa().finally(() => backend.close())
  const {identity, expiresAt} = signAdminIdentity(ca, o.user, o.ttlMs, backend.clock)
  await writeFileAtomic(o.out, encodeIdentityFile(identity), {mode: 0o600})
  return {expiresAt}
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path)
    return true
  } catch {
    return false
  }
}
