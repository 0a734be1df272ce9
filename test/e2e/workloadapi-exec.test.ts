/**
 * The exec dodge (hardening item 5): a process connects to the Workload API socket, then execve()s
 * another binary that keeps the connected socket and speaks gRPC on it, so that the connection
 * would be attested as the new binary. Here the identity is entitled only to callers whose
 * binary_path is node's; the attacker (uid 1000) connects from python3, waits until the server
 * has accepted the connection, then exec's node, which issues FetchJWTSVID on the inherited fd
 * over raw HTTP/2. It is refused with PermissionDenied; node connecting by itself gets its SVID.
 * And the other way round, which before the fix got the SVID: with python3 entitled, python3
 * connects and is attested, then exec's node, which must not inherit python3's attestation.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {chmodSync, mkdtempSync, realpathSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {startWorkloadApiServer, type RunningWorkloadApiServer} from '../../src/lib/workloadapi/server.js'
import type {WorkloadCaller} from '../../src/lib/workloadapi/source.js'
import {TestSource} from '../helpers/workload-source.js'
import {waitFor} from './tbot-cluster.js'

const UID_1000 = {uid: 1000, gid: 1000}
const AS_OTHER_UID = {skip: process.getuid?.() === 0 ? false : 'needs root to start clients as uid 1000'}
const NODE = realpathSync(process.execPath)

/** FetchJWTSVID over raw HTTP/2 on fd argv[3], or on a fresh connection to argv[2]; prints the status. */
const CLIENT = `
import http2 from 'node:http2'
import net from 'node:net'
const [path, fd] = process.argv.slice(2)
const socket = () => fd !== undefined ? new net.Socket({fd: Number(fd), readable: true, writable: true}) : net.connect(path)
const audience = Buffer.from('spiffe://example.teleport.sh/db')
const message = Buffer.concat([Buffer.from([0x0a, audience.length]), audience])
const header = Buffer.alloc(5)
header.writeUInt32BE(message.length, 1)
const session = http2.connect('http://localhost', {createConnection: socket})
const req = session.request({':method': 'POST', ':path': '/SpiffeWorkloadAPI/FetchJWTSVID',
  'content-type': 'application/grpc', te: 'trailers', 'workload.spiffe.io': 'true'})
let bytes = 0
req.on('data', (chunk) => { bytes += chunk.length })
const done = (headers) => {
  if (headers['grpc-status'] === undefined) return
  console.log(JSON.stringify({status: Number(headers['grpc-status']), message: decodeURIComponent(headers['grpc-message'] ?? ''), bytes}))
  session.close()
}
req.on('response', done)
req.on('trailers', done)
req.end(Buffer.concat([header, message]))
`

/** Connects, says so, and on a line on stdin exec's node CLIENT with the connected socket's fd. */
const EXEC_ATTACKER = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
os.set_inheritable(s.fileno(), True)
print('connected', flush=True)
sys.stdin.readline()
os.execv(sys.argv[2], [sys.argv[2], sys.argv[3], sys.argv[1], str(s.fileno())])
`

interface Outcome {
  readonly status: number
  readonly message: string
  readonly bytes: number
}

function outcomeOf(stdout: string): Outcome {
  const line = stdout.trim().split('\n').at(-1) ?? ''
  return JSON.parse(line) as Outcome
}

describe('Workload API: a connection whose process exec\'d another binary', AS_OTHER_UID, () => {
  let dir: string
  let socketPath: string
  let server: RunningWorkloadApiServer
  const seen: WorkloadCaller[] = []
  let entitledBinary = NODE

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'svidkit-exec-'))
    chmodSync(dir, 0o755)
    writeFileSync(join(dir, 'client.mjs'), CLIENT, {mode: 0o644})
    writeFileSync(join(dir, 'attacker.py'), EXEC_ATTACKER, {mode: 0o644})
    socketPath = join(dir, 'workload.sock')
    const source = await TestSource.create('spiffe://example.teleport.sh/node-only', (caller) => {
      seen.push(caller)
      return caller.workload?.unix?.binary_path === entitledBinary
    })
    server = await startWorkloadApiServer({listen: `unix://${socketPath}`, source})
  })

  after(async () => {
    await server.close(100)
    rmSync(dir, {recursive: true, force: true})
  })

  it('gives node, connecting by itself, its JWT-SVID', async () => {
    const child = spawn(NODE, [join(dir, 'client.mjs'), socketPath], {...UID_1000, stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    await new Promise((resolve) => child.once('exit', resolve))
    const outcome = outcomeOf(out)
    assert.equal(outcome.status, 0, outcome.message)
    assert.ok(outcome.bytes > 0)
  })

  /** Runs EXEC_ATTACKER: python3 connects, and once the server accepted, exec's node CLIENT. */
  async function connectThenExec(): Promise<{outcome: Outcome; pid: number | undefined}> {
    const child = spawn('python3', [join(dir, 'attacker.py'), socketPath, NODE, join(dir, 'client.mjs')],
      {...UID_1000, stdio: ['pipe', 'pipe', 'inherit']})
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    await waitFor('the server to accept python3',
      () => out.includes('connected') && server.openConnections === 1 ? true : undefined, () => out)
    child.stdin.end('go\n')
    await new Promise((resolve) => child.once('exit', resolve))
    return {outcome: outcomeOf(out.replace('connected', '')), pid: child.pid}
  }

  it('refuses node speaking on the socket python3 opened and then exec\'d into node', async () => {
    const {outcome, pid} = await connectThenExec()
    assert.equal(outcome.status, 7)
    assert.match(outcome.message, /^workload attestation no longer holds: the process that opened this connection executed another binary since it connected; reconnect$/)
    assert.equal(outcome.bytes, 0)
    assert.ok(!seen.some((caller) => caller.workload?.unix?.binary_path === NODE && caller.workload.unix.pid === pid),
      'the exec\'d process was never attested as node')
  })

  it('refuses node the SVID of python3, which opened the connection and then exec\'d into node', async () => {
    entitledBinary = execFileSync('python3', ['-c', 'import os, sys; print(os.path.realpath(sys.executable))'],
      {...UID_1000, encoding: 'utf8'}).trim()
    const {outcome} = await connectThenExec()
    assert.equal(outcome.status, 7)
    assert.match(outcome.message, /the process that opened this connection executed another binary since it connected/)
    assert.equal(outcome.bytes, 0)
  })
})
