/** The real openssl binary as an independent verifier of what the product and the test PKI make. */
import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {toPem} from '../../src/lib/ca/pem.js'

export interface RunResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

export function openssl(args: readonly string[], input?: string | Buffer): RunResult {
  const r = spawnSync('openssl', args, {input, encoding: 'buffer'})
  if (r.error) throw r.error
  return {status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString()}
}

export function writePem(dir: string, name: string, ders: readonly Uint8Array[]): string {
  const path = join(dir, name)
  writeFileSync(path, ders.map((d) => toPem('CERTIFICATE', d)).join(''))
  return path
}

/** `openssl verify -CAfile ca -purpose any [-untrusted chain] leaf`, optionally at a fixed time. */
export function opensslVerify(dir: string, caDers: readonly Uint8Array[], leaf: Uint8Array, opts: {untrusted?: readonly Uint8Array[]; at?: Date; purpose?: string} = {}): RunResult {
  const stamp = Math.random().toString(36).slice(2)
  const args = ['verify', '-CAfile', writePem(dir, `ca-${stamp}.pem`, caDers), '-purpose', opts.purpose ?? 'any']
  if (opts.untrusted !== undefined) args.push('-untrusted', writePem(dir, `chain-${stamp}.pem`, opts.untrusted))
  if (opts.at !== undefined) args.push('-attime', String(Math.floor(opts.at.getTime() / 1000)))
  args.push(writePem(dir, `leaf-${stamp}.pem`, [leaf]))
  return openssl(args)
}

export function opensslText(der: Uint8Array): string {
  const r = openssl(['x509', '-inform', 'DER', '-noout', '-text'], Buffer.from(der))
  if (r.status !== 0) throw new Error(r.stderr)
  return r.stdout
}
