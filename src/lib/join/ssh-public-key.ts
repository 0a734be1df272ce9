/**
 * Public keys in OpenSSH's authorized_keys form (`ssh-ed25519 AAAA…`), the form Teleport's
 * `tbot keypair create` prints and `spec.bound_keypair.onboarding.initial_public_key` holds
 * (lib/boundkeypair; wire format: RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4). Node's crypto
 * does the key work; only the SSH wire framing is encoded here.
 */
import {createPublicKey, type KeyObject} from 'node:crypto'
import {BadParameterError} from '../errors.js'

const CURVES: Readonly<Record<string, {readonly ssh: string; readonly jwk: string}>> = {
  'ecdsa-sha2-nistp256': {ssh: 'nistp256', jwk: 'P-256'},
  'ecdsa-sha2-nistp384': {ssh: 'nistp384', jwk: 'P-384'},
}

function sshString(bytes: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(bytes.length)
  return Buffer.concat([len, bytes])
}

/** An mpint (RFC 4251 §5): big-endian, a leading zero when the top bit is set. */
function mpint(bytes: Buffer): Buffer {
  return sshString(bytes[0] !== undefined && bytes[0] >= 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes)
}

const b64u = (s: string | undefined) => Buffer.from(s ?? '', 'base64url')

/** `type base64` for an Ed25519, ECDSA (P-256/P-384) or RSA public key. */
export function formatSshPublicKey(key: KeyObject): string {
  const jwk = key.export({format: 'jwk'})
  let type: string
  let body: Buffer[]
  if (key.asymmetricKeyType === 'ed25519') {
    type = 'ssh-ed25519'
    body = [sshString(b64u(jwk.x))]
  } else if (key.asymmetricKeyType === 'ec') {
    const entry = Object.entries(CURVES).find(([, c]) => c.jwk === jwk.crv)
    if (!entry) throw new BadParameterError(`unsupported curve ${String(jwk.crv)}`)
    type = entry[0]
    body = [sshString(Buffer.from(entry[1].ssh)), sshString(Buffer.concat([Buffer.of(4), b64u(jwk.x), b64u(jwk.y)]))]
  } else if (key.asymmetricKeyType === 'rsa') {
    type = 'ssh-rsa'
    body = [mpint(b64u(jwk.e)), mpint(b64u(jwk.n))]
  } else {
    throw new BadParameterError(`unsupported key type ${String(key.asymmetricKeyType)}`)
  }
  return `${type} ${Buffer.concat([sshString(Buffer.from(type)), ...body]).toString('base64')}`
}

class WireReader {
  private offset = 0
  constructor(private readonly buf: Buffer) {}
  next(): Buffer {
    if (this.offset + 4 > this.buf.length) throw new Error('truncated')
    const len = this.buf.readUInt32BE(this.offset)
    const end = this.offset + 4 + len
    if (end > this.buf.length) throw new Error('truncated')
    const out = this.buf.subarray(this.offset + 4, end)
    this.offset = end
    return out
  }
  done(): void {
    if (this.offset !== this.buf.length) throw new Error('trailing data')
  }
}

const unsigned = (b: Buffer) => (b[0] === 0 ? b.subarray(1) : b).toString('base64url')

function keyFromWire(type: string, r: WireReader): KeyObject {
  if (type === 'ssh-ed25519') return createPublicKey({key: {kty: 'OKP', crv: 'Ed25519', x: r.next().toString('base64url')}, format: 'jwk'})
  const curve = CURVES[type]
  if (curve) {
    if (r.next().toString() !== curve.ssh) throw new Error('curve does not match the key type')
    const point = r.next()
    const size = (point.length - 1) / 2
    if (point[0] !== 4 || !Number.isInteger(size)) throw new Error('not an uncompressed point')
    return createPublicKey({key: {kty: 'EC', crv: curve.jwk, x: point.subarray(1, 1 + size).toString('base64url'), y: point.subarray(1 + size).toString('base64url')}, format: 'jwk'})
  }
  if (type === 'ssh-rsa') {
    const e = unsigned(r.next())
    return createPublicKey({key: {kty: 'RSA', e, n: unsigned(r.next())}, format: 'jwk'})
  }
  throw new Error(`unsupported key type ${JSON.stringify(type)}`)
}

/** Parse `type base64 [comment]`; the type outside and inside the blob must agree. */
export function parseSshPublicKey(line: string): KeyObject {
  const [type, blob] = line.trim().split(/\s+/)
  try {
    if (type === undefined || blob === undefined) throw new Error('expected "<type> <base64>"')
    const r = new WireReader(Buffer.from(blob, 'base64'))
    if (r.next().toString() !== type) throw new Error('key type does not match its encoding')
    const key = keyFromWire(type, r)
    r.done()
    return key
  } catch (err) {
    throw new BadParameterError(`parsing SSH public key: ${(err as Error).message}`)
  }
}
