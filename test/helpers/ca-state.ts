/** The CA a data directory holds now, read as the server reads it (ca/state.json through the file CaStateStore). */
import {loadCaMaterial} from '../../src/lib/ca/ca-cache.js'
import type {CaMaterial} from '../../src/lib/ca/ca-material.js'
import {fileCaStateStore} from '../../src/lib/backend/local/ca-files.js'
import {dataDirPaths} from '../../src/lib/backend/local/data-dir.js'

export function readDataDirCa(dataDir: string): Promise<CaMaterial> {
  const store = fileCaStateStore(dataDirPaths(dataDir))
  return loadCaMaterial(store, store.path)
}
