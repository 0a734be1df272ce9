/**
 * Running the server as a process: config file → logger → startServer, then wait for SIGTERM or
 * SIGINT and shut down gracefully (in-flight requests finish, audit records are flushed).
 */
import {createWriteStream} from 'node:fs'
import {createLogger, type Logger} from '../log.js'
import {loadServerConfig, type ServerConfig} from './config.js'
import {startServer} from './start.js'

function loggerFor(config: ServerConfig, debug: boolean): Logger {
  const output = config.log.output
  const write = output === 'stderr'
    ? (line: string) => void process.stderr.write(line)
    : output === 'stdout'
      ? (line: string) => void process.stdout.write(line)
      : ((stream) => (line: string) => void stream.write(line))(createWriteStream(output, {flags: 'a', mode: 0o600}))
  return createLogger({component: 'proxy', level: debug ? 'debug' : config.log.severity, format: config.log.format, write})
}

export async function runServer(configFile: string, options: {version: string; debug: boolean}): Promise<void> {
  const config = await loadServerConfig(configFile)
  const log = loggerFor(config, options.debug)
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
}
