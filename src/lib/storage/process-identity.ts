/**
 * Who holds a lock, in terms that survive pid reuse. A pid alone is not enough: after a reboot, or in
 * a container whose first process is always pid 1, a dead holder's pid is often alive again. Linux
 * names each boot (/proc/sys/kernel/random/boot_id) and each process's start time (field 22 of
 * /proc/<pid>/stat, in clock ticks after boot); see proc(5). Off Linux both are unknown and the pid
 * is all there is.
 */
import {promises as fs} from 'node:fs'

let bootIdOnce: Promise<string | undefined> | undefined

/** This boot's id, or undefined when the system does not say. */
export function bootId(): Promise<string | undefined> {
  bootIdOnce ??= fs.readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((s) => s.trim() || undefined, () => undefined)
  return bootIdOnce
}

/** When process `pid` started (clock ticks after boot), or undefined when unknown (no such process, no /proc). */
export async function processStartTime(pid: number): Promise<string | undefined> {
  let stat: string
  try {
    stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count fields after the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const startTime = fields[22 - 3]
  return startTime !== undefined && /^\d+$/.test(startTime) ? startTime : undefined
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function isAlive(pid: number): boolean {
  if (pid <= 0) return false
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
