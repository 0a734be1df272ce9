/** Reading a file the user named (a config, key pair, identity file), failing with one line naming it. */
import {readFile} from 'node:fs/promises'
import {InputError} from '../errors.js'

/** `<file>: cannot read <what>: no such file` (or the system's reason). */
export async function readInputFile(path: string, what?: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message
    throw new InputError({file: path}, `cannot read${what ? ` ${what}` : ''}: ${reason}`, {cause: err})
  }
}
