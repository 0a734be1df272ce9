/**
 * TLS-dial a server and return the certificates it presented, in the order it presented them.
 *
 * The chain is NOT verified: like AWS computing an OIDC thumbprint, we take whatever the server sends
 * (teleport.md §8). The bytes the server sends are tapped below TLS and parsed by tls-records.ts, because
 * `getPeerCertificate(true)` reorders the chain and adds roots from our own trust store.
 */
import {isIP, connect as netConnect} from 'node:net'
import {Duplex} from 'node:stream'
import {connect as tlsConnect, type TLSSocket} from 'node:tls'
import {ConnectionProblemError} from '../errors.js'
import {formatHostPort} from '../net/addr.js'
import {presentedCertificates, TlsParseError, type ServerHandshakeInput} from './tls-records.js'

export interface DialTarget {
  readonly host: string
  readonly port: number
}

export interface DialOptions {
  readonly timeoutMs: number
}

export async function dialPresentedChain(target: DialTarget, options: DialOptions): Promise<Buffer[]> {
  const where = formatHostPort(target)
  const raw = netConnect({host: target.host, port: target.port})
  const received: Buffer[] = []
  const tap = tappedStream(raw, received)
  const secrets = new Map<string, Buffer>()
  // SNI carries host names only (RFC 6066 §3); openssl s_client sends none for an IP literal either.
  const socket = tlsConnect({socket: tap, rejectUnauthorized: false, ...(isIP(target.host) === 0 ? {servername: target.host} : {})})
  socket.on('keylog', (line: Buffer) => {
    const [label, , secret] = line.toString('ascii').trim().split(' ')
    if (label !== undefined && secret !== undefined) secrets.set(label, Buffer.from(secret, 'hex'))
  })
  try {
    await handshake(socket, where, options.timeoutMs)
    const certs = presentedCertificates(handshakeInput(socket, Buffer.concat(received), secrets))
    const leaf = socket.getPeerX509Certificate()
    if (certs.length === 0 || leaf === undefined || !leaf.raw.equals(certs[0]!)) {
      throw new TlsParseError('the parsed chain does not start with the negotiated leaf certificate')
    }
    return certs
  } catch (err) {
    if (err instanceof TlsParseError) throw new ConnectionProblemError(`${where}: cannot read the presented certificate chain: ${err.message}`, {cause: err})
    throw err
  } finally {
    socket.destroy()
    raw.destroy()
  }
}

/** A duplex over the TCP socket that also records every byte the server sends. */
function tappedStream(raw: ReturnType<typeof netConnect>, received: Buffer[]): Duplex {
  const tap = new Duplex({
    read() {
      raw.resume()
    },
    write(chunk: Buffer, _encoding, callback) {
      raw.write(chunk, callback)
    },
    final(callback) {
      raw.end()
      callback()
    },
    destroy(err, callback) {
      raw.destroy()
      callback(err)
    },
  })
  raw.on('data', (chunk: Buffer) => {
    received.push(chunk)
    if (!tap.push(chunk)) raw.pause()
  })
  raw.on('end', () => tap.push(null))
  raw.on('error', (err) => tap.destroy(err))
  return tap
}

function handshake(socket: TLSSocket, where: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err: Error | undefined): void => {
      clearTimeout(timer)
      socket.removeListener('error', onError)
      socket.removeListener('close', onClose)
      socket.removeListener('secureConnect', onSecure)
      socket.on('error', () => {}) // the socket is torn down next; late errors are irrelevant
      if (err === undefined) return resolve()
      reject(err instanceof ConnectionProblemError ? err : new ConnectionProblemError(`${where}: ${err.message}`, {cause: err}))
    }
    const onError = (err: Error): void => settle(err)
    const onClose = (): void => settle(new Error('connection closed during the TLS handshake'))
    const onSecure = (): void => settle(undefined)
    const timer = setTimeout(() => settle(new ConnectionProblemError(`${where}: TLS handshake did not complete within ${timeoutMs} ms`)), timeoutMs)
    socket.once('error', onError)
    socket.once('close', onClose)
    socket.once('secureConnect', onSecure)
  })
}

function handshakeInput(socket: TLSSocket, received: Buffer, secrets: ReadonlyMap<string, Buffer>): ServerHandshakeInput {
  const protocol = socket.getProtocol()
  if (protocol === 'TLSv1.2') return {protocol, received}
  if (protocol !== 'TLSv1.3') throw new TlsParseError(`unsupported protocol ${protocol ?? 'unknown'}`)
  const serverHandshakeSecret = secrets.get('SERVER_HANDSHAKE_TRAFFIC_SECRET')
  if (serverHandshakeSecret === undefined) throw new TlsParseError('no TLS 1.3 handshake secret was logged')
  return {protocol, received, cipherSuite: socket.getCipher().standardName, serverHandshakeSecret}
}
