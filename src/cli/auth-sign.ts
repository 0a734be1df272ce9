/**
 * `tctl auth sign --user admin --out FILE`: on the cluster's host (it needs the CA key in the data
 * directory), mint an admin identity file for `tctl --auth-server URL --identity FILE` elsewhere.
 */
import {promises as fs} from 'node:fs'
import {AlreadyExistsError} from '../lib/errors.js'

export interface SignOptions {
  readonly dataDir: string
  readonly user: string
  readonly ttlMs: number
  readonly out: string
  readonly overwrite: boolean
}

export async function signIdentityFile(o: SignOptions): Promise<{expiresAt: Date}> {
  const [{LocalBackend}, {loadCa}, {signAdminIdentity}, {encodeIdentityFile}, {writeFileAtomic}] = await Promise.all([
    import('../lib/backend/local/backend.js'), import('../lib/backend/local/ca-files.js'), import('../lib/backend/admin-identity.js'),
    import('../lib/backend/identity-file.js'), import('../lib/storage/atomic.js'),
  ])
  if (!o.overwrite && (await exists(o.out))) throw new AlreadyExistsError(`${o.out} already exists; pass --overwrite to replace it`)
  const backend = await LocalBackend.open({dataDir: o.dataDir, create: false})
  const {identity, expiresAt} = signAdminIdentity(await loadCa(backend.paths, backend.ca), o.user, o.ttlMs, backend.clock)
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
