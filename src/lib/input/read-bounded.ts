/**
 * Reading an open file up to a limit, for inputs whose size cannot be trusted (pipes, devices, files
 * still growing): at most one byte past the limit is read, whatever the file claims.
 */
import type {FileHandle} from 'node:fs/promises'

/** The file's bytes, or undefined when there are more than `limit`. */
export async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer | undefined> {
  const buffer = Buffer.alloc(limit + 1)
  let length = 0
  for (;;) {
    const {bytesRead} = await handle.read(buffer, length, buffer.length - length, null)
    if (bytesRead === 0) return buffer.subarray(0, length)
    length += bytesRead
    if (length > limit) return undefined
  }
}
