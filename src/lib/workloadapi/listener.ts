/**
 * The Workload API's listening socket. A Unix socket is the endpoint every local workload connects
 * to, so its mode decides who may even ask: the default 0o777 is SPIRE's and Teleport's choice —
 * anyone may connect, and attestation plus entitlement decide what they get. A stricter mode
 * (0o770, 0o700) narrows who can connect at all. When the socket's directory does not exist it is
 * created with just the access the mode needs: 0o755 when group or others may connect, else 0o700.
 */
import {chmod, lstat, mkdir, mkdtemp, rename, rmdir, unlink} from 'node:fs/promises'
import type {Server} from 'node:net'
import {dirname, join} from 'node:path'
import {BadParameterError} from '../errors.js'
import {formatWorkloadAddress, type WorkloadAddress} from './address.js'

export const DEFAULT_SOCKET_MODE = 0o777

/** r-x for group/others on the directory exactly when the socket mode gives them any access. */
export function directoryModeFor(socketMode: number): number {
  return 0o700 | (socketMode & 0o070 ? 0o050 : 0) | (socketMode & 0o007 ? 0o005 : 0)
}

async function prepareSocketPath(path: string, socketMode: number): Promise<void> {
  const dir = dirname(path)
  const created = await mkdir(dir, {recursive: true, mode: directoryModeFor(socketMode)})
  // mkdir's mode passes through the umask; set the leaf's mode exactly.
  if (created !== undefined) await chmod(dir, directoryModeFor(socketMode))
  let info
  try {
    info = await lstat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  // A stale socket from a previous run is replaced; anything else at the path is left alone.
  if (!info.isSocket()) throw new BadParameterError(`refusing to replace ${path}: it exists and is not a socket`)
  await unlink(path)
}

function listenOn(server: Server, args: {path: string} | {host: string; port: number}): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    server.once('error', onError)
    server.listen({...args, exclusive: true}, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

/**
 * Binds in a fresh 0700 directory beside the path, sets the socket's mode there, then renames it into
 * place: the socket never exists at its public path with the process umask's mode, so no one outside
 * `socketMode` can connect in the moment between bind(2) and chmod(2).
 */
async function listenPrivatelyThenPublish(server: Server, path: string, socketMode: number): Promise<void> {
  const staging = await mkdtemp(join(dirname(path), '.workload-api-'))
  const staged = join(staging, 'socket')
  try {
    await listenOn(server, {path: staged})
    await chmod(staged, socketMode)
    await rename(staged, path)
  } catch (err) {
    server.close()
    throw err
  } finally {
    await unlink(staged).catch(() => undefined)
    await rmdir(staging)
  }
}

/** Listens; resolves to the address clients should use (a TCP port 0 becomes the real port). */
export async function listenWorkloadApi(server: Server, address: WorkloadAddress, socketMode: number): Promise<string> {
  if (address.network === 'unix') {
    await prepareSocketPath(address.path, socketMode)
    await listenPrivatelyThenPublish(server, address.path, socketMode)
    return formatWorkloadAddress(address)
  }
  await listenOn(server, {host: address.host, port: address.port})
  const bound = server.address()
  const port = typeof bound === 'object' && bound !== null ? bound.port : address.port
  return formatWorkloadAddress({...address, port})
}

/** Removes the socket file after the server closed (a no-op when already gone). */
export async function removeSocketFile(address: WorkloadAddress): Promise<void> {
  if (address.network !== 'unix') return
  try {
    const info = await lstat(address.path)
    if (info.isSocket()) await unlink(address.path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}
