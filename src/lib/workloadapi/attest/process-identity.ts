/**
 * The identity of the process at the other end of a Workload API connection, captured when the
 * connection is accepted and checked again before every answer (hardening against `exec`):
 * SO_PEERCRED names the pid that called connect(), but that process may later execve() another
 * binary (same pid, same start time), or hand the socket to a child and exec, and the connection
 * would then be attested as the new binary (unix(7): the credentials are those "in effect at the
 * time of the call to connect(2)"). Pinned here: the pid's start time (field 22 of /proc/<pid>/stat,
 * proc(5), so a reused pid is a new process) and the device and inode of /proc/<pid>/exe (the
 * running image, even when the path on disk was replaced; execve(2) changes it, fork(2) does not). Reads are synchronous on purpose: procfs answers from
 * kernel memory, and a synchronous check leaves no gap between the check and the write it guards.
 */
import {readFileSync, statSync} from 'node:fs'
import {AccessDeniedError} from '../../errors.js'
import {parseStartTime} from './unix.js'

export interface ProcessIdentity {
  readonly pid: number
  readonly startTime: string
  /** `dev:ino` of the running executable. */
  readonly executable: string
}

/** The process's identity now, or undefined when it is gone or not visible (another PID namespace). */
export function readProcessIdentity(pid: number, procRoot = '/proc'): ProcessIdentity | undefined {
  if (pid <= 0) return undefined
  try {
    const startTime = parseStartTime(readFileSync(`${procRoot}/${pid}/stat`, 'latin1'))
    const exe = statSync(`${procRoot}/${pid}/exe`, {bigint: true})
    if (startTime === undefined) return undefined
    return {pid, startTime, executable: `${exe.dev}:${exe.ino}`}
  } catch {
    return undefined
  }
}

/** Why `current` is not `captured` (undefined when it is the same process running the same executable). */
export function processChange(captured: ProcessIdentity, current: ProcessIdentity | undefined): string | undefined {
  if (current === undefined || current.startTime !== captured.startTime) return 'exited'
  if (current.executable !== captured.executable) return 'executed another binary'
  return undefined
}

/** The refusal a caller sees when its connection's process changed since the connection was opened. */
export function processChangedError(change: string): AccessDeniedError {
  return new AccessDeniedError(`workload attestation no longer holds: the process that opened this connection ${
    change} since it connected; reconnect`)
}
