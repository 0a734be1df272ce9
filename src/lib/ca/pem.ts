/** PEM encoding (RFC 7468): base64 in 64-column lines between BEGIN/END labels. */

export interface PemBlock {
  readonly type: string
  readonly der: Buffer
}

export function toPem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64')
  const lines: string[] = []
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64))
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/

/**
 * Every well-formed PEM block in order, like repeated Go `pem.Decode`: text around blocks is
 * skipped, and a block whose body is not base64 (or that carries RFC 1421 headers) stops the scan.
 */
export function decodePemBlocks(input: string | Uint8Array): PemBlock[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1')
  const blocks: PemBlock[] = []
  for (const m of text.matchAll(BLOCK)) {
    const body = m[2]!
    if (!BASE64_BODY.test(body)) break
    blocks.push({type: m[1]!, der: Buffer.from(body.replace(/\s+/g, ''), 'base64')})
  }
  return blocks
}
