/**
 * Results and text of `tctl bots add` and `tctl tokens add` (Teleport's tool/tctl/common/bots_command.go
 * and token_command.go), adapted to our tbot's flags.
 */
import type {AddBotResult} from '../lib/backend/admin-api.js'
import type {ProvisionToken} from '../lib/resources/types.js'
import {withMachineForm, type WithMachineForm} from './output.js'

/** `--format json` of `tctl bots add`, Teleport's fields: token_ttl in nanoseconds, as Go's time.Duration. */
export interface BotAddedJson {
  readonly user_name: string
  readonly role_name: string
  readonly token_id: string
  readonly token_ttl: number
}

/** What `tbot start` needs to reach this cluster: `--data-dir=DIR`, or `--auth-server=ADDR --ca-pin=…`. */
interface StartHint {
  readonly startWith: string
}

export type BotAdded = WithMachineForm<BotAddedJson & StartHint, BotAddedJson>
export type TokenAdded = WithMachineForm<{readonly token: ProvisionToken; readonly startWith: string; readonly at: Date}, ProvisionToken>

export function botAdded(result: AddBotResult, startWith: string, now: Date): BotAdded {
  const expires = result.token.metadata.expires ? Date.parse(result.token.metadata.expires) : now.getTime()
  const json: BotAddedJson = {
    user_name: result.bot.status?.user_name ?? '',
    role_name: result.bot.status?.role_name ?? '',
    token_id: result.token.metadata.name,
    token_ttl: Math.max(0, expires - now.getTime()) * 1_000_000,
  }
  return withMachineForm({...json, startWith}, json)
}

export function tokenAdded(token: ProvisionToken, startWith: string, now: Date): TokenAdded {
  return withMachineForm({token, startWith, at: now}, token)
}

export function botAddedText(added: BotAdded): string {
  const token = added.token_id
  const minutes = Math.floor(added.token_ttl / 1_000_000 / 60_000)
  return [
    `The bot token: ${token}`,
    ...(minutes > 0 ? [`This token will expire in ${minutes} minutes.`] : []),
    '',
    'Run this to start the bot and keep an X.509-SVID fresh on disk:',
    '',
    '> tbot start workload-identity-x509 \\',
    `   ${added.startWith} \\`,
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

export function tokenAddedText({token, startWith, at}: TokenAdded): string {
  const minutes = token.metadata.expires ? Math.floor((Date.parse(token.metadata.expires) - at.getTime()) / 60_000) : 0
  return [
    `The invite token: ${token.metadata.name}`,
    `This token will expire in ${minutes} minutes.`,
    '',
    `Use it with "tctl bots add ${token.spec.bot_name ?? 'NAME'} --token=${token.metadata.name}" or directly:`,
    '',
    `> tbot start workload-identity-x509 ${startWith} --token=${token.metadata.name} --destination=./svids --name-selector=NAME`,
    '',
  ].join('\n')
}
