/** A real `teleport start` on a free loopback port, for the benches that measure through the server. */
import {spawn, type ChildProcess} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {freePort} from '../test/helpers/server.js'
import {ROOT, benchEnv} from './_util.js'

/** Starts the server over `<dir>/data` and resolves once it says it is ready. */
export async function startBenchServer(dir: string, clusterName: string): Promise<{child: ChildProcess; port: number}> {
  const port = await freePort()
  const config = join(dir, 'teleport.yaml')
  writeFileSync(config, `version: v3\nteleport: {data_dir: ${join(dir, 'data')}}\nauth_service: {cluster_name: ${clusterName}}\n` +
    `proxy_service: {web_listen_addr: '127.0.0.1:${port}', public_addr: '127.0.0.1:${port}'}\n`)
  // Logged at INFO as in production (one line per request), into a pipe drained and discarded here.
  const child = spawn(process.execPath, [join(ROOT, 'bin/teleport.js'), 'start', '-c', config], {env: benchEnv(), stdio: ['ignore', 'ignore', 'pipe']})
  await new Promise<void>((resolve, reject) => {
    let seen = ''
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      if (seen.length < 100_000) seen += d
      if (seen.includes('Auth and proxy service is ready')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${seen}`)))
  })
  return {child, port}
}
