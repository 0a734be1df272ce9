/**
 * Running the server as a process: config file → logger → startServer, then wait for SIGTERM or
 * SIGINT and shut down gracefully (in-flight requests finish, audit records are flushed).
 */
import {once} from 'node:events'
import {createWriteStream} from 'node:fs'
import {createLogger, drained, type Logger} from '../log.js'
import {loadServerConfig, type ServerConfig} from './config.js'
import {startServer} from './start.js'

/** The server's log, and how to end it: every line written out (a file closed) before the process exits. */
function logFor(config: ServerConfig, debug: boolean): {log: Logger; close: () => Promise<void>} {
  const output = config.log.output
  const stream = output === 'stderr' ? process.stderr : output === 'stdout' ? process.stdout : createWriteStream(output, {flags: 'a', mode: 0o600})
  const log = createLogger({component: 'proxy', level: debug ? 'debug' : config.log.severity, format: config.log.format, write: (line) => void stream.write(line)})
  const close = async () => {
    if (stream === process.stderr || stream === process.stdout) return drained(stream)
    stream.end()
    await once(stream, 'close')
  }
  return {log, close}
}

export async function runServer(configFile: string, options: {version: string; debug: boolean}): Promise<void> {
  const config = await loadServerConfig(configFile)
  const {log, close} = logFor(config, options.debug)
  const server = await startServer(config, {version: options.version, logger: log})
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      log.info('Received signal, shutting down gracefully', {signal})
      // A second signal then takes its default action: the process ends at once.
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      server.close().then(resolve, (err: unknown) => {
        log.error('Shutdown failed', {error: err})
        process.exitCode = 1
        resolve()
      })
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
  log.info('Server stopped')
  await close()
}
