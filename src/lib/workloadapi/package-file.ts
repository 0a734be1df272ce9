/**
 * Files the package ships beside its code (proto/, dist/proto/, native/build/): found in this
 * module's directory or the nearest one above that holds them, whether it runs from src/ (tsx),
 * dist/src/ or a bundle in dist/bundle/.
 */
import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export function findUpward(relative: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, relative)
    if (existsSync(candidate)) return candidate
    dir = dirname(dir)
  }
  return undefined
}
