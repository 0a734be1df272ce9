/**
 * tbot's config file, from the disk to a plain document: read with a size bound, then decoded by the
 * one hardened decoder (document/decode.ts). Failures keep Teleport's wordings (lib/tbot/config/
 * config.go ReadConfigFromFile: "failed to open file", "failed parsing config file") around ours.
 */
import {open, type FileHandle} from 'node:fs/promises'
import {InputError} from '../../errors.js'
import {MAX_DOCUMENT_BYTES, decodeDocument} from '../../document/decode.js'
import {readAtMost} from '../../input/read-bounded.js'

/** The config file's text; a file larger than any config could be is refused after MAX_DOCUMENT_BYTES + 1 bytes. */
export async function readConfigText(path: string): Promise<string> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    throw openFailure(path, err)
  }
  try {
    const bytes = await readAtMost(handle, MAX_DOCUMENT_BYTES)
    if (bytes === undefined) throw await tooLarge(path, handle)
    return bytes.toString('utf8')
  } catch (err) {
    throw err instanceof InputError ? err : openFailure(path, err)
  } finally {
    await handle.close()
  }
}

async function tooLarge(path: string, handle: FileHandle): Promise<InputError> {
  const {size} = await handle.stat()
  const bytes = size > MAX_DOCUMENT_BYTES ? `${size} bytes, ` : ''
  return new InputError({file: path}, `file is too large (${bytes}the limit is ${MAX_DOCUMENT_BYTES} bytes)`)
}

function openFailure(path: string, err: unknown): InputError {
  return new InputError({file: path}, `failed to open file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {cause: err})
}

/** YAML text → the config document; an empty file is an empty mapping, as in Teleport. */
export function decodeConfigText(text: string, file: string): unknown {
  try {
    return decodeDocument(text, file) ?? {}
  } catch (err) {
    if (!(err instanceof InputError)) throw err
    throw new InputError(err.location, `failed parsing config file: ${err.reason}`, {cause: err})
  }
}
