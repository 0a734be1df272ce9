// Placeholder until the CA module lands (same session): creates no CA yet.
import type {DataDirPaths} from './data-dir.js'

export async function initCaMaterial(_paths: DataDirPaths, _clusterName: string): Promise<void> {}

export async function caPins(_paths: DataDirPaths): Promise<string[]> {
  return []
}
