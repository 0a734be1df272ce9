import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {parseDuration} from '../../lib/duration.js'

/** Teleport's `tbot wait` (lib/tbot/cli/wait.go): the flags and their meaning. */
export default class Wait extends BaseCommand<{afterMs: number}> {
  static override summary = 'Waits for a running tbot to become ready.'
  static override examples = ['<%= config.bin %> wait --diag-addr 127.0.0.1:3001 --timeout 30s']
  static override flags = {
    'diag-addr': Flags.string({description: 'The configured --diag-addr of a running bot, in host:port form.', required: true}),
    service: Flags.string({description: 'An optional name. If set, waits for only the named service to become healthy. If unset, waits for all services.'}),
    timeout: Flags.string({description: 'An optional timeout. If set, returns an error if all specified services have not reported healthy by the timeout.'}),
    'log-format': Flags.string({description: 'Log format.', options: ['text', 'json'], default: 'text'}),
  }

  async run(): Promise<{afterMs: number}> {
    const {flags} = await this.parse(Wait)
    const [{waitForBot}, {createLogger, parseLogFormat}] = await Promise.all([import('../../lib/tbot/diag/wait.js'), import('../../lib/log.js')])
    const log = createLogger({component: 'tbot', level: flags.debug ? 'debug' : 'info', format: parseLogFormat(flags['log-format'])})
    return waitForBot({
      diagAddr: flags['diag-addr'], log,
      ...(flags.service !== undefined ? {service: flags.service} : {}),
      ...(flags.timeout !== undefined ? {timeoutMs: parseDuration(flags.timeout)} : {}),
    })
  }

  /** The log said it. */
  protected view(): string {
    return ''
  }
}
