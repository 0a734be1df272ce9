import {resolveDataDir} from '../lib/backend/local/data-dir.js'

/** `tctl init`: create the data directory (or confirm it), and say which cluster it holds. */
export async function initCluster(dataDirFlag: string | undefined, clusterName: string | undefined, publicAddr?: string): Promise<string> {
  const {openDataDir} = await import('../lib/backend/local/data-dir.js')
  const {initCaMaterial} = await import('../lib/backend/local/ca-files.js')
  const dir = resolveDataDir(dataDirFlag)
  const {info, created, paths} = await openDataDir(dir, {create: true, clusterName, publicAddr, initCa: initCaMaterial})
  if (created) return `Cluster "${info.clusterName}" has been created in ${dir}`
  if (publicAddr !== undefined && publicAddr !== info.publicAddr) {
    const {setPublicAddr} = await import('../lib/backend/local/data-dir.js')
    await setPublicAddr(paths, publicAddr)
    return `Cluster "${info.clusterName}" in ${dir}: public address set to ${publicAddr}`
  }
  return `Cluster "${info.clusterName}" already exists in ${dir}`
}
