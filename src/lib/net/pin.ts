/**
 * Trusting a server by CA pin (`sha256:<hex>` of the CA's SubjectPublicKeyInfo, as `tctl status` prints
 * it): the handshake is accepted when a certificate of the chain the server presented has a pinned key,
 * and every certificate from the leaf up to it is signed by the next and valid now. The server must send
 * its CA certificate in the chain for this to work (a client with only a pin has no other copy of it).
 */
import {X509Certificate} from 'node:crypto'
import {checkServerIdentity, type DetailedPeerCertificate, type TLSSocket} from 'node:tls'
import {timingSafeEqual} from 'node:crypto'
import {BadParameterError, ConnectionProblemError} from '../errors.js'
import {caPin} from './ca-pin.js'

const PIN_FORMAT = /^sha256:[0-9a-f]{64}$/

/** A pin as the user typed it → its canonical form; Teleport's messages for the wrong shapes. */
export function parseCaPin(text: string): string {
  const pin = text.trim().toLowerCase()
  const parts = pin.split(':')
  if (parts.length !== 2) throw new BadParameterError('invalid format for certificate pin, expected algorithm:pin')
  if (parts[0] !== 'sha256') throw new BadParameterError('sha256 only supported hashing algorithm for certificate pin')
  if (!PIN_FORMAT.test(pin)) throw new BadParameterError(`invalid certificate pin "${text}": expected sha256: and 64 hex digits`)
  return pin
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1'
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0'

/** Why a chain does not satisfy the pins, or undefined when it does. Pure. */
export function pinnedChainProblem(chain: readonly X509Certificate[], pins: readonly string[], now: Date): string | undefined {
  const problem = pinnedPathProblem(chain, pins, now)
  if (problem !== undefined) return problem
  // The cluster CA also signs client certificates (bots, admins): only a server certificate may
  // stand for the server, as OpenSSL's own verification would insist.
  const eku = chain[0]?.keyUsage
  if (eku !== undefined && !eku.includes(SERVER_AUTH) && !eku.includes(ANY_EXTENDED_KEY_USAGE)) {
    return `certificate "${chain[0]!.subject}" is not for server authentication`
  }
  return undefined
}

function pinnedPathProblem(chain: readonly X509Certificate[], pins: readonly string[], now: Date): string | undefined {
  for (let i = 0; i < chain.length; i++) {
    if (!pins.some((pin) => samePin(pin, caPin(chain[i]!)))) continue
    for (let j = 0; j <= i; j++) {
      const cert = chain[j]!
      if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
        return `certificate "${cert.subject}" is not valid at ${now.toISOString()} (valid ${cert.validFrom} to ${cert.validTo})`
      }
      if (j < i && !(cert.checkIssued(chain[j + 1]!) && cert.verify(chain[j + 1]!.publicKey))) {
        return `certificate "${cert.subject}" is not signed by "${chain[j + 1]!.subject}"`
      }
    }
    if (i > 0 && !chain[i]!.ca) return `the pinned certificate "${chain[i]!.subject}" is not a CA`
    return undefined
  }
  return 'no certificate the server presented matches the CA pin'
}

function samePin(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))
}

/**
 * After a handshake made without chain verification: enforce the pins and the server's name, or throw
 * a ConnectionProblemError that says what to check (Teleport's wording about rotated CAs).
 */
export function verifyPinnedSocket(socket: TLSSocket, options: {pins: readonly string[]; serverName: string; where: string; now: Date}): void {
  const peer = socket.getPeerCertificate(true)
  const problem = pinnedChainProblem(issuerChain(peer), options.pins, options.now)
  if (problem !== undefined) {
    throw new ConnectionProblemError(
      `${options.where}: the server's certificate authority does not match the CA pin ${options.pins.join(', ')}: ${problem}. ` +
        'This could have occurred if the cluster CA was rotated, invalidating the old pin; run "tctl status" to compare the pins.',
    )
  }
  const mismatch = checkServerIdentity(options.serverName, peer)
  if (mismatch !== undefined) throw new ConnectionProblemError(`${options.where}: ${mismatch.message}`, {cause: mismatch})
}

/** Leaf first, each next one its issuer, as OpenSSL linked them; stops at a self-signed certificate. */
function issuerChain(peer: DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = []
  const seen = new Set<string>()
  for (let cert: DetailedPeerCertificate | undefined = peer; cert?.raw !== undefined; cert = cert.issuerCertificate) {
    if (seen.has(cert.fingerprint256)) break
    seen.add(cert.fingerprint256)
    chain.push(new X509Certificate(cert.raw))
  }
  return chain
}
