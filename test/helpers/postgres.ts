/**
 * A PostgreSQL for tests: the server at $SVIDKIT_TEST_PG_URL (a superuser URL) when set, else a
 * throwaway cluster made with Debian's binaries (initdb and pg_ctl in a temp dir, on a free port,
 * as an unprivileged user: `postgres` when the tests run as root, since initdb refuses root).
 * Each caller gets its own database (createDatabase). Password authentication over TCP, so a
 * wrong password is refused as it would be in production.
 */
import {execFileSync} from 'node:child_process'
import {chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'
import pg from 'pg'

export const PG_BIN = process.env.SVIDKIT_PG_BIN ?? '/usr/lib/postgresql/15/bin'
export const PG_PASSWORD = 'svidkit-test-password'

export interface TestPostgres {
  /** host:port of the server. */
  readonly port: number
  /** The superuser's URL for `database`. */
  url(database: string): string
  /** A new empty database; returns its URL. */
  createDatabase(prefix?: string): Promise<string>
  /** Only for the throwaway cluster (undefined with $SVIDKIT_TEST_PG_URL). */
  readonly control?: {stop(): void; start(): void; restart(): void}
  close(): Promise<void>
}

export async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve))
  const {port} = probe.address() as {port: number}
  await new Promise((resolve) => probe.close(resolve))
  return port
}

let counter = 0

function fromUrl(base: string): TestPostgres {
  const url = (database: string) => {
    const u = new URL(base)
    u.pathname = '/' + database
    return u.toString()
  }
  return {
    port: Number(new URL(base).port || 5432),
    url,
    createDatabase: async (prefix = 'svidkit_test') => {
      const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`
      const admin = new pg.Client({connectionString: base})
      await admin.connect()
      try {
        await admin.query(`CREATE DATABASE ${name}`)
      } finally {
        await admin.end()
      }
      return url(name)
    },
    close: async () => undefined,
  }
}

/** Runs a PostgreSQL binary as the unprivileged owner of the cluster. */
function asOwner(owner: string | undefined, bin: string, args: readonly string[]): void {
  const [cmd, argv] = owner === undefined ? [join(PG_BIN, bin), args] : ['runuser', ['-u', owner, '--', join(PG_BIN, bin), ...args]]
  execFileSync(cmd, argv, {stdio: ['ignore', 'pipe', 'pipe'], cwd: '/'})
}

/** Start a PostgreSQL (or reuse $SVIDKIT_TEST_PG_URL). Call close() when done. */
export async function startTestPostgres(o: {durable?: boolean} = {}): Promise<TestPostgres> {
  if (process.env.SVIDKIT_TEST_PG_URL) return fromUrl(process.env.SVIDKIT_TEST_PG_URL)
  if (!existsSync(join(PG_BIN, 'initdb'))) throw new Error(`no PostgreSQL binaries in ${PG_BIN}; install Debian's postgresql or set SVIDKIT_TEST_PG_URL`)
  const owner = userInfo().uid === 0 ? 'postgres' : undefined
  const root = mkdtempSync(join(tmpdir(), 'svidkit-pg-'))
  chmodSync(root, 0o755)
  const data = join(root, 'data')
  const pwfile = join(root, 'pw')
  writeFileSync(pwfile, PG_PASSWORD + '\n', {mode: 0o600})
  if (owner !== undefined) {
    const {uid, gid} = {uid: Number(execFileSync('id', ['-u', owner]).toString()), gid: Number(execFileSync('id', ['-g', owner]).toString())}
    chownSync(root, uid, gid)
    chownSync(pwfile, uid, gid)
  }
  asOwner(owner, 'initdb', ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-sync'])
  const port = await freePort()
  // Tests skip fsync (speed); the bench keeps PostgreSQL's durable defaults, as the file store's fsyncs.
  const durability = o.durable ? '' : ' -c fsync=off'
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${root}${durability} -c max_connections=300`
  const start = () => asOwner(owner, 'pg_ctl', ['-D', data, '-l', join(root, 'log'), '-w', '-t', '60', '-o', options, 'start'])
  const stop = () => asOwner(owner, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
  start()
  const base = fromUrl(`postgresql://postgres:${PG_PASSWORD}@127.0.0.1:${port}/postgres`)
  return {
    ...base,
    control: {start, stop, restart: () => asOwner(owner, 'pg_ctl', ['-D', data, '-l', join(root, 'log'), '-m', 'fast', '-w', '-o', options, 'restart'])},
    close: async () => {
      try {
        stop()
      } catch {
        // already stopped
      }
      rmSync(root, {recursive: true, force: true})
    },
  }
}
