import {Args, Flags} from '@oclif/core'
import {remoteFlags} from '../../cli/admin.js'
import {BaseCommand, formatFlag} from '../../cli/base.js'
import type {ConfiguredServerFlags} from '../../lib/net/configured-server.js'

export default class Thumbprint extends BaseCommand<{thumbprint: string}> {
  static override summary = 'Print the OIDC thumbprint AWS IAM asks for: SHA-1 of the last certificate a TLS server presents.'
  static override description =
    'With an address, dial it and hash the last certificate it presents (the top intermediate, or the certificate ' +
    'itself when self-signed). The chain is not verified, as AWS does not. Without one, ask the configured ' +
    "cluster's /webapi/thumbprint (--auth-server or $TELEPORT_AUTH_SERVER), which dials the proxy's public address."
  static override examples = [
    '<%= config.bin %> thumbprint teleport.example.com',
    '<%= config.bin %> thumbprint https://teleport.example.com:3080',
  ]
  static override args = {
    address: Args.string({description: 'https:// URL or host[:port] to dial (port 443 when none).', required: false}),
  }
  static override flags = {
    ...remoteFlags,
    timeout: Flags.integer({description: 'Give up after this many seconds.', default: 10, min: 1}),
    format: formatFlag(['text', 'json'], 'text'),
    json: Flags.boolean({description: 'Same as --format json.', hidden: true, default: false}),
  }

  async run(): Promise<{thumbprint: string}> {
    const {args, flags} = await this.parse(Thumbprint)
    const timeoutMs = flags.timeout * 1000
    const thumbprint = args.address === undefined ? await fromConfiguredServer(flags, timeoutMs) : await dial(args.address, timeoutMs)
    return {thumbprint}
  }

  protected view({thumbprint}: {thumbprint: string}): string {
    return thumbprint + '\n'
  }
}

async function dial(address: string, timeoutMs: number): Promise<string> {
  const {fetchThumbprint} = await import('../../lib/net/thumbprint-dial.js')
  return fetchThumbprint(address, {timeoutMs})
}

async function fromConfiguredServer(flags: ConfiguredServerFlags, timeoutMs: number): Promise<string> {
  const {configuredAuthServer} = await import('../../lib/net/configured-server.js')
  const {BadParameterError, ConnectionProblemError} = await import('../../lib/errors.js')
  const server = await configuredAuthServer(flags)
  if (server === undefined) throw new BadParameterError('no auth server configured; pass a URL')
  const {HttpsJsonClient} = await import('../../lib/net/https-client.js')
  const client = await HttpsJsonClient.create({timeoutMs, ...server})
  try {
    const value = await client.get('/webapi/thumbprint')
    if (typeof value !== 'string' || !/^[0-9a-f]{40}$/.test(value)) {
      throw new ConnectionProblemError(`${client.origin}/webapi/thumbprint did not return a thumbprint`)
    }
    return value
  } finally {
    await client.close()
  }
}
