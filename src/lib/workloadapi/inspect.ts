/**
 * `tbot spiffe-inspect` (Teleport's tool/tbot/spiffe.go): fetch the X.509 context,
 * JWT-SVIDs for one audience (each then validated by the server), and the JWT bundles, and report
 * them in Teleport's four sections. One fix over Teleport: "No JWT SVIDs received" is printed when
 * no JWT-SVID came back (Teleport tests the bundle count there).
 */
import {SvidkitError, isSvidkitError} from '../errors.js'
import type {Logger} from '../log.js'
import {notAfter, subjectAltNames} from './certs.js'
import type {JwtBundle, JwtSvid, X509Context} from './parse.js'

/** The client calls inspect makes (WorkloadApiClient has them). */
export interface InspectClient {
  fetchX509ContextAllowEmpty(): Promise<X509Context>
  fetchJwtSvids(params: {audience: string}, options: {allowEmpty: boolean}): Promise<JwtSvid[]>
  fetchJwtBundles(): Promise<ReadonlyMap<string, JwtBundle>>
  validateJwtSvid(token: string, audience: string): Promise<JwtSvid>
}

export interface InspectReport {
  readonly x509_svids: readonly {
    readonly spiffe_id: string
    readonly hint: string
    readonly expires_at: Date
    readonly dns_sans: readonly string[]
    readonly ip_sans: readonly string[]
  }[]
  readonly x509_bundles: readonly {readonly trust_domain: string; readonly ca_count: number}[]
  readonly jwt_svids: readonly {
    readonly spiffe_id: string
    readonly expires_at: Date
    readonly audiences: readonly string[]
    readonly hint: string
    readonly token: string
    /** Empty when the server validated the token; else why not. */
    readonly validation_error: string
  }[]
  readonly jwt_bundles: readonly {readonly trust_domain: string; readonly key_ids: readonly string[]}[]
}

/** Teleport's trace.Wrap(err, "getting …"), keeping the error's code. */
function wrap(context: string, err: unknown): SvidkitError {
  const message = `${context}: ${err instanceof Error ? err.message : String(err)}`
  return new SvidkitError(isSvidkitError(err) ? err.code : 'INTERNAL', message, {cause: err})
}

async function step<T>(context: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    throw wrap(context, err)
  }
}

function x509SvidRows(context: X509Context): InspectReport['x509_svids'] {
  return context.svids.map((svid) => {
    const leaf = svid.certificates[0]
    const sans = leaf === undefined ? {dns: [], ips: []} : subjectAltNames(leaf)
    const expiresAt = leaf === undefined ? new Date(0) : notAfter(leaf)
    return {spiffe_id: svid.spiffeId.toString(), hint: svid.hint, expires_at: expiresAt, dns_sans: sans.dns, ip_sans: sans.ips}
  })
}

/** Each JWT-SVID checked by the endpoint's ValidateJWTSVID: '' when it passed, else the error. */
function validateEach(client: InspectClient, svids: readonly JwtSvid[], audience: string): Promise<string[]> {
  return Promise.all(svids.map((svid) => client.validateJwtSvid(svid.token, audience).then(
    () => '', (err: unknown) => (err instanceof Error ? err.message : String(err)))))
}

export async function inspectWorkloadApi(client: InspectClient, audience: string, log?: Logger): Promise<InspectReport> {
  const x509 = await step('getting x509 context', () => client.fetchX509ContextAllowEmpty())
  log?.info('Received X.509 SVID context from Workload API',
    {svids_count: x509.svids.length, bundles_count: x509.bundles.size})
  const jwtSvids = await step('getting JWT SVIDs', () => client.fetchJwtSvids({audience}, {allowEmpty: true}))
  const jwtBundles = await step('getting JWT bundles', () => client.fetchJwtBundles())
  const validations = await validateEach(client, jwtSvids, audience)
  return {
    x509_svids: x509SvidRows(x509),
    x509_bundles: [...x509.bundles.values()].map((b) => ({trust_domain: b.trustDomain.name, ca_count: b.authorities.length})),
    jwt_svids: jwtSvids.map((svid, i) => ({spiffe_id: svid.spiffeId.toString(), expires_at: svid.expiry,
      audiences: svid.audience, hint: svid.hint, token: svid.token, validation_error: validations[i] ?? ''})),
    jwt_bundles: [...jwtBundles.values()].map((b) => ({trust_domain: b.trustDomain.name, key_ids: [...b.keys.keys()].sort()})),
  }
}

/** Go's `time.Time.String()` for a UTC time: `2024-03-20 10:55:52 +0000 UTC` (fractions only when present). */
export function formatGoTime(time: Date): string {
  const iso = time.toISOString()
  const ms = time.getUTCMilliseconds()
  const fraction = ms === 0 ? '' : '.' + String(ms).padStart(3, '0').replace(/0+$/, '')
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction} +0000 UTC`
}

/** Go's `time.Duration.String()` from milliseconds: `59m59.5s`, `1h0m0s`, `250ms`, `0s`. */
export function formatGoDuration(ms: number): string {
  const sign = ms < 0 ? '-' : ''
  const abs = Math.abs(Math.round(ms))
  if (abs === 0) return '0s'
  if (abs < 1000) return `${sign}${abs}ms`
  const hours = Math.floor(abs / 3_600_000)
  const minutes = Math.floor((abs % 3_600_000) / 60_000)
  const millis = abs % 60_000
  const seconds = String(Math.floor(millis / 1000)) + (millis % 1000 === 0 ? '' : '.' +
    String(millis % 1000).padStart(3, '0').replace(/0+$/, ''))
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`
  return `${sign}${seconds}s`
}

function expiryLine(at: Date, now: Date): string {
  return `  - Expiry: ${formatGoTime(at)} (${formatGoDuration(at.getTime() - now.getTime())})`
}

/** How the validation verdicts are marked: as they are, or coloured by the caller. */
export interface VerdictStyle {
  pass(text: string): string
  fail(text: string): string
}

const PLAIN: VerdictStyle = {pass: (text) => text, fail: (text) => text}

/** Teleport's text output, line for line (with the JWT SVIDs emptiness check fixed). */
export function formatInspectReport(report: InspectReport, now: Date, style: VerdictStyle = PLAIN): string {
  const lines: string[] = ['# X509 SVIDs']
  if (report.x509_svids.length === 0) lines.push('No X509 SVIDs received, check your configuration')
  for (const svid of report.x509_svids) {
    lines.push(`- ${svid.spiffe_id}`, `  - Hint: ${svid.hint}`, expiryLine(svid.expires_at, now))
    for (const san of svid.dns_sans) lines.push(`  - DNS SAN: ${san}`)
    for (const san of svid.ip_sans) lines.push(`  - IP SAN: ${san}`)
  }
  lines.push('# X509 Trust Bundles')
  if (report.x509_bundles.length === 0) lines.push('No X509 trust bundles received, check your configuration')
  for (const bundle of report.x509_bundles) lines.push(`- ${bundle.trust_domain} (#CAs: ${bundle.ca_count})`)
  lines.push('# JWT SVIDs')
  if (report.jwt_svids.length === 0) lines.push('No JWT SVIDs received, check your configuration')
  for (const svid of report.jwt_svids) {
    lines.push(`- ${svid.spiffe_id}`, expiryLine(svid.expires_at, now), `  - Audiences: [${svid.audiences.join(' ')}]`,
      `  - Hint: ${svid.hint}`, `  - Value: ${svid.token}`,
      svid.validation_error === '' ? `  - Validation: ${style.pass('PASS')}` : `  - Validation: ${style.fail('FAIL')} - ${svid.validation_error}`)
  }
  lines.push('# JWT Bundles')
  if (report.jwt_bundles.length === 0) lines.push('No JWT trust bundles received, check your configuration')
  for (const bundle of report.jwt_bundles) {
    lines.push(`- ${bundle.trust_domain} (#Keys: ${bundle.key_ids.length})`)
    for (const kid of bundle.key_ids) lines.push(`  - Key ID: ${kid}`)
  }
  return lines.join('\n') + '\n'
}
