/**
 * How a bot trusts the server (as Teleport's tbot, lib/tbot/config onboarding): to join, by the CA
 * pins (`onboarding.ca_pins`, `--ca-pin`), a CA file (`ca_path`), `--insecure` (nothing checked,
 * warned about loudly), or else the system roots (a server with a public certificate). Once joined,
 * the cluster CA it received (checked against the pins) is kept beside its identity and trusted from
 * then on, with the system roots when no pin was given.
 */
import {readFile} from 'node:fs/promises'
import {X509Certificate} from 'node:crypto'
import {rootCertificates} from 'node:tls'
import {ConnectionProblemError, InputError} from '../../errors.js'
import {caPin} from '../../net/ca-pin.js'
import type {ServerTrust} from '../../net/https-client.js'
import {parseCaPin} from '../../net/pin.js'

/** tbot's onboarding trust settings. */
export interface RemoteTrustSettings {
  /** The config file they came from, for messages. */
  readonly source: string
  readonly insecure: boolean
  readonly caPath?: string | undefined
  readonly caPins: readonly string[]
}

async function caFile(settings: RemoteTrustSettings, path: string): Promise<ServerTrust> {
  try {
    return {kind: 'ca', caPem: await readFile(path, 'utf8')}
  } catch (err) {
    throw new InputError({file: settings.source, field: 'onboarding.ca_path'}, `cannot read ${path}: ${(err as Error).message}`)
  }
}

/** Trust for joining, before the bot holds the cluster CA. */
export async function joinTrust(settings: RemoteTrustSettings): Promise<ServerTrust> {
  if (settings.insecure) return {kind: 'insecure'}
  if (settings.caPath !== undefined) return caFile(settings, settings.caPath)
  if (settings.caPins.length > 0) return {kind: 'pin', pins: settings.caPins}
  return {kind: 'ca', caPem: [...rootCertificates]}
}

/** Trust once joined: the stored cluster CA (plus system roots when no pin pinned it down). */
export async function sessionTrust(settings: RemoteTrustSettings, caPems: readonly string[]): Promise<ServerTrust> {
  if (settings.insecure) return {kind: 'insecure'}
  if (settings.caPath !== undefined) return caFile(settings, settings.caPath)
  return {kind: 'ca', caPem: [...caPems, ...(settings.caPins.length > 0 ? [] : rootCertificates)]}
}

/**
 * The CA certificates the server handed over at join must be the pinned ones: TLS already checked
 * the pin, this keeps a server from slipping in another CA for later connections.
 */
export function checkReceivedCas(settings: RemoteTrustSettings, caDers: readonly Uint8Array[], where: string): void {
  if (caDers.length === 0) throw new ConnectionProblemError(`${where}: the server sent no cluster CA certificate`)
  const pins = settings.caPins.map(parseCaPin)
  if (pins.length === 0) return
  for (const der of caDers) {
    const pin = caPin(new X509Certificate(Buffer.from(der)))
    if (!pins.includes(pin)) throw new ConnectionProblemError(`${where}: the cluster CA the server sent (${pin}) does not match the CA pin`)
  }
}
