/**
 * tbot config v2's `onboarding:` section (lib/tbot/config/config.go OnboardingConfig): how the bot
 * joins. `token`, `kubernetes`, `github`, `gitlab` and `bound_keypair` work here (the delegated ones read their
 * platform credential at each join: tbot/join-credentials.ts); Teleport's others are recognised by
 * name so the message says "not supported" rather than "unknown". The token may be an absolute file path, read
 * at load time and trimmed (Teleport's TryReadValueAsFile).
 */
import {promises as fs} from 'node:fs'
import {isAbsolute} from 'node:path'
import {InputError} from '../../errors.js'
import {FieldReader} from '../../document/fields.js'
import {fail, itemPlace} from '../../document/place.js'
import type {OnboardingConfig, TbotConfig} from './types.js'

/** Teleport's SupportedJoinMethods: recognised, but only `token` works here. */
const TELEPORT_JOIN_METHODS = new Set([
  'azure', 'azure_devops', 'bitbucket', 'bound_keypair', 'circleci', 'ec2', 'gcp', 'github', 'gitlab',
  'iam', 'kubernetes', 'oracle', 'spacelift', 'terraform_cloud', 'token', 'tpm',
])

/** The join methods this program implements. */
export const SUPPORTED_JOIN_METHODS = ['token', 'kubernetes', 'github', 'gitlab', 'bound_keypair'] as const
export type SupportedJoinMethod = (typeof SUPPORTED_JOIN_METHODS)[number]

const CA_PIN = /^sha256:[0-9a-f]{64}$/i

export type ReadTokenFile = (path: string) => Promise<string>

export async function parseOnboarding(
  top: FieldReader, insecure: boolean, readTokenFile: ReadTokenFile = readTokenFileFromDisk,
): Promise<OnboardingConfig> {
  const r = top.mapping('onboarding') ?? FieldReader.of({}, top.at('onboarding'))
  const joinMethod = nonBlank(r.text('join_method')) ?? 'token'
  if (!(SUPPORTED_JOIN_METHODS as readonly string[]).includes(joinMethod)) {
    const reason = TELEPORT_JOIN_METHODS.has(joinMethod)
      ? `join method ${JSON.stringify(joinMethod)} is not supported by svidkit; supported: ${SUPPORTED_JOIN_METHODS.join(', ')}`
      : `unrecognized join method: ${JSON.stringify(joinMethod)}`
    fail(r.at('join_method'), reason)
  }
  const caPins = r.textList('ca_pins') ?? []
  caPins.forEach((pin, i) => {
    if (!CA_PIN.test(pin)) fail(itemPlace(r.at('ca_pins'), i), `invalid CA pin ${JSON.stringify(pin)}: expected sha256:<64 hex digits>`)
  })
  const caPath = nonBlank(r.text('ca_path'))
  if (insecure && caPins.length > 0) fail(r.at('ca_pins'), 'the option ca-pin is mutually exclusive with --insecure')
  if (insecure && caPath !== undefined) fail(r.at('ca_path'), 'the option ca-path is mutually exclusive with --insecure')
  if (caPins.length > 0 && caPath !== undefined) fail(r.place, 'the options ca-pin and ca-path are mutually exclusive')
  const token = await resolveToken(nonBlank(r.text('token')), readTokenFile)
  const registrationSecret = nonBlank(r.mapping('bound_keypair', ['registration_secret'])?.text('registration_secret'))
  r.done()
  return {
    joinMethod: joinMethod as SupportedJoinMethod, ...token, caPins, ...(caPath !== undefined ? {caPath} : {}),
    ...(registrationSecret !== undefined ? {registrationSecret} : {}),
  }
}

/**
 * The join token, or an error naming where it should have come from. The agent calls this only when
 * it must join (no stored identity), so a token file removed after the first join is fine.
 */
export function requireJoinToken(config: TbotConfig): string {
  const {token, tokenFile, tokenFileProblem} = config.onboarding
  if (token !== undefined && token !== '') return token
  const where = {file: config.source, field: 'onboarding.token'}
  if (tokenFile !== undefined) {
    throw new InputError(where, `token file ${tokenFile} ${tokenFileProblem ?? 'is empty'}`)
  }
  throw new InputError(where, 'a join token is required to join the cluster for the first time')
}

type TokenFields = Pick<OnboardingConfig, 'token' | 'tokenFile' | 'tokenFileProblem'>

/** An absolute path means "read the token from this file" (Teleport's TryReadValueAsFile). */
async function resolveToken(value: string | undefined, readTokenFile: ReadTokenFile): Promise<TokenFields> {
  if (value === undefined) return {}
  if (!isAbsolute(value)) return {token: value}
  try {
    const contents = (await readTokenFile(value)).trim()
    return contents === '' ? {tokenFile: value, tokenFileProblem: 'is empty'} : {token: contents, tokenFile: value}
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return {tokenFile: value, tokenFileProblem: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`}
  }
}

async function readTokenFileFromDisk(path: string): Promise<string> {
  return fs.readFile(path, 'utf8')
}

/** Undefined for an unset or blank string: Teleport treats both as "not set". */
export function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}
