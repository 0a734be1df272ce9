/**
 * SO_PEERCRED for a connected Unix socket, through the repo's own N-API addon (native/peercred.c,
 * built by scripts/build.mjs into native/build/peercred.node; getsockopt(2) SO_PEERCRED, see unix(7)).
 * The kernel records the credentials at connect(), so every call on the connection shares them.
 */
import {createRequire} from 'node:module'
import type {Socket} from 'node:net'
import {join} from 'node:path'
import {findUpward} from '../package-file.js'

export interface PeerCred {
  readonly pid: number
  readonly uid: number
  readonly gid: number
}

export type PeerCredReader = (socket: Socket) => PeerCred

interface Addon {
  getPeerCred(fd: number): PeerCred
}

let addon: Addon | undefined

/** native/build/peercred.node at the package root. */
export function findPeerCredAddon(): string | undefined {
  return findUpward(join('native', 'build', 'peercred.node'))
}

/** Loads the addon once; throws with the fix when it was not built. */
export function loadPeerCredReader(): PeerCredReader {
  if (addon === undefined) {
    const path = findPeerCredAddon()
    if (path === undefined) {
      throw new Error('peer credential addon native/build/peercred.node is missing; run `npm run build` (needs gcc)')
    }
    addon = createRequire(import.meta.url)(path) as Addon
  }
  const loaded = addon
  return (socket) => loaded.getPeerCred(socketFd(socket))
}

/**
 * The socket's file descriptor. `_handle.fd` is undocumented but is the only fd access Node gives a
 * net.Socket.
 */
function socketFd(socket: Socket): number {
  const handle: unknown = (socket as unknown as {_handle?: unknown})._handle
  const fd = typeof handle === 'object' && handle !== null ? (handle as {fd?: unknown}).fd : undefined
  if (typeof fd !== 'number' || fd < 0) throw new Error('socket has no file descriptor')
  return fd
}
