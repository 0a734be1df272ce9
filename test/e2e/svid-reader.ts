/**
 * A workload that reads tbot's X.509 output in a tight loop, run as its own Node process
 * (`node --input-type=module -e READER_SCRIPT DIR`): it says `ready` on stderr after its first read,
 * and reads until SIGTERM, when it prints a ReaderReport on stdout.
 *
 * Each read takes svid.pem, then svid_key.pem, and parses both completely with node:crypto (a
 * partial or torn file fails). tbot replaces svid_key.pem before svid.pem (two renames), so a
 * reader that catches the moment between them sees the old certificate with the next key. That
 * pair is transient and harmless only if the key is the *next* one: the reader then watches
 * svid.pem until it changes and requires the new certificate to certify exactly that key. A key
 * that no certificate follows (written after its certificate, or orphaned) is a problem.
 */

export interface ReaderReport {
  /** Complete reads of the pair. */
  readonly reads: number
  /** Distinct certificates seen with their key. */
  readonly serials: number
  /** Pairs caught between the two renames: the previous certificate with the next key. */
  readonly transientMismatches: number
  /** Of those, how many keys the next certificate certified. */
  readonly confirmedNextKeys: number
  readonly problems: readonly string[]
}

export const READER_SCRIPT = String.raw`
import {readFileSync} from 'node:fs'
import {X509Certificate, createPrivateKey, createPublicKey} from 'node:crypto'
const dir = process.argv[1]
let stop = false
process.on('SIGTERM', () => { stop = true })
const report = {reads: 0, serials: 0, transientMismatches: 0, confirmedNextKeys: 0, problems: []}
const serials = new Set()
const problem = (message) => { if (report.problems.length < 20) report.problems.push(message) }
const spki = (publicKey) => publicKey.export({type: 'spki', format: 'der'}).toString('hex')
const certFile = dir + '/svid.pem'
const keyFile = dir + '/svid_key.pem'

function parseCert(pem) {
  if (!/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/.test(pem)) throw new Error('not a complete PEM certificate')
  return new X509Certificate(pem)
}
function parseKey(pem) {
  if (!/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/.test(pem)) throw new Error('not a complete PKCS#8 PEM key')
  return createPublicKey(createPrivateKey(pem))
}

function readOnce() {
  const certPem = readFileSync(certFile, 'utf8')
  const keyPem = readFileSync(keyFile, 'utf8')
  let cert, key
  try { cert = parseCert(certPem) } catch (e) { return problem('svid.pem: ' + e.message + ' (' + certPem.length + ' bytes)') }
  try { key = parseKey(keyPem) } catch (e) { return problem('svid_key.pem: ' + e.message + ' (' + keyPem.length + ' bytes)') }
  report.reads++
  const keyId = spki(key)
  if (spki(cert.publicKey) === keyId) {
    serials.add(cert.serialNumber)
    return
  }
  report.transientMismatches++
  const deadline = Date.now() + 10000
  for (;;) {
    const next = readFileSync(certFile, 'utf8')
    if (next !== certPem) {
      let nextCert
      try { nextCert = parseCert(next) } catch (e) { return problem('svid.pem: ' + e.message) }
      if (spki(nextCert.publicKey) === keyId) report.confirmedNextKeys++
      else problem('svid_key.pem held a key that the next svid.pem (' + nextCert.serialNumber + ') does not certify; it came with ' + cert.serialNumber)
      return
    }
    if (Date.now() > deadline) return problem('svid_key.pem does not match svid.pem ' + cert.serialNumber + ' and no new svid.pem followed')
  }
}

readOnce()
process.stderr.write('ready\n')
while (!stop) {
  for (let i = 0; i < 200; i++) readOnce()
  await new Promise((resolve) => setImmediate(resolve))
}
report.serials = serials.size
process.stdout.write(JSON.stringify(report))
`
