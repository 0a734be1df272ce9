/** What every `tctl` command shares: where the cluster is, and opening it. */
import {Flags} from '@oclif/core'
import type {AdminApi} from '../backend/api.js'
import {DATA_DIR_ENV, resolveDataDir} from '../cluster/data-dir.js'

export const dataDirFlag = Flags.string({
  description: `Data directory of the local backend (default: $${DATA_DIR_ENV}, else $XDG_DATA_HOME/svidkit).`,
  env: DATA_DIR_ENV,
})

export const adminFlags = {'data-dir': dataDirFlag}

export const formatFlag = Flags.string({
  description: 'Output format.',
  options: ['text', 'json', 'yaml'],
  default: 'text',
})

export interface AdminFlags {
  readonly 'data-dir'?: string
}

export interface OpenedAdmin extends AdminApi {
  readonly clusterName: string
}

/** The local backend itself, for what only the cluster's own host can do (issue as admin, export keys' public parts). */
export async function openLocal(flags: AdminFlags, version: string): Promise<import('../backend/local.js').LocalBackend> {
  const {LocalBackend} = await import('../backend/local.js')
  return LocalBackend.open({dataDir: resolveDataDir(flags['data-dir']), version})
}

/** The local backend over the data directory (created on first use). */
export async function openAdmin(flags: AdminFlags, version: string): Promise<OpenedAdmin> {
  const {LocalBackend} = await import('../backend/local.js')
  return LocalBackend.open({dataDir: resolveDataDir(flags['data-dir']), version})
}
