/** Text for `tctl bots add` and `tctl tokens add` (teleport.md §4), adapted to our tbot's flags. */
import type {AddBotResult} from '../lib/backend/admin-api.js'
import type {ProvisionToken} from '../lib/resources/types.js'

function minutesLeft(token: ProvisionToken, now: Date): number {
  return token.metadata.expires ? Math.floor((Date.parse(token.metadata.expires) - now.getTime()) / 60_000) : 0
}

export interface StartHint {
  /** `--data-dir=DIR` for the local backend, `--auth-server=ADDR` for a server. */
  readonly where: string
}

export function botAddedText(result: AddBotResult, hint: StartHint, now: Date): string {
  const token = result.token.metadata.name
  const minutes = minutesLeft(result.token, now)
  return [
    `The bot token: ${token}`,
    ...(minutes > 0 ? [`This token will expire in ${minutes} minutes.`] : []),
    '',
    'Run this to start the bot and keep an X.509-SVID fresh on disk:',
    '',
    '> tbot start workload-identity-x509 \\',
    `   ${hint.where} \\`,
    `   --token=${token} \\`,
    '   --destination=./svids \\',
    '   --name-selector=<workload identity name>',
    '',
    'Please note:',
    '',
    '  - The ./svids destination directory can be changed as desired.',
    '  - The token can be used once, to join; the bot then renews its own identity.',
    ...(minutes > 0 ? [`  - This invitation token will expire in ${minutes} minutes.`] : []),
    '',
  ].join('\n')
}

/** Hidden `--format json` of `tctl bots add`: token_ttl in nanoseconds, as Go's time.Duration. */
export function botAddedJson(result: AddBotResult, now: Date): Record<string, string | number> {
  const expires = result.token.metadata.expires ? Date.parse(result.token.metadata.expires) : now.getTime()
  return {
    user_name: result.bot.status?.user_name ?? '',
    role_name: result.bot.status?.role_name ?? '',
    token_id: result.token.metadata.name,
    token_ttl: Math.max(0, expires - now.getTime()) * 1_000_000,
  }
}

export function tokenAddedText(token: ProvisionToken, hint: StartHint, now: Date): string {
  const minutes = minutesLeft(token, now)
  return [
    `The invite token: ${token.metadata.name}`,
    `This token will expire in ${minutes} minutes.`,
    '',
    `Use it with "tctl bots add ${token.spec.bot_name ?? 'NAME'} --token=${token.metadata.name}" or directly:`,
    '',
    `> tbot start workload-identity-x509 ${hint.where} --token=${token.metadata.name} --destination=./svids --name-selector=NAME`,
    '',
  ].join('\n')
}
