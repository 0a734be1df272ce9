/** `tctl init`: create the data directory (or confirm it), and say which cluster it holds. */
import {resolveDataDir} from '../lib/backend/local/data-dir.js'

export interface InitResult {
  readonly clusterName: string
  readonly dataDir: string
  /** `created` the cluster, found it `existing`, or set a new public address on it. */
  readonly outcome: 'created' | 'existing' | 'public-addr-set'
  readonly publicAddr?: string
}

export async function initCluster(dataDirFlag: string | undefined, clusterName: string | undefined, publicAddr?: string): Promise<InitResult> {
  const {openDataDir, setPublicAddr} = await import('../lib/backend/local/data-dir.js')
  const {initCaMaterial} = await import('../lib/backend/local/ca-files.js')
  const dataDir = resolveDataDir(dataDirFlag)
  const {info, created, paths} = await openDataDir(dataDir, {create: true, clusterName, publicAddr, initCa: initCaMaterial})
  const result = {clusterName: info.clusterName, dataDir, publicAddr: info.publicAddr}
  if (created) return {...result, outcome: 'created'}
  if (publicAddr !== undefined && publicAddr !== info.publicAddr) {
    await setPublicAddr(paths, publicAddr)
    return {...result, outcome: 'public-addr-set', publicAddr}
  }
  return {...result, outcome: 'existing'}
}

export function initText(r: InitResult): string {
  switch (r.outcome) {
    case 'created': return `Cluster "${r.clusterName}" has been created in ${r.dataDir}\n`
    case 'public-addr-set': return `Cluster "${r.clusterName}" in ${r.dataDir}: public address set to ${r.publicAddr}\n`
    case 'existing': return `Cluster "${r.clusterName}" already exists in ${r.dataDir}\n`
  }
}
