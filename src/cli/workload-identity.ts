/**
 * `tctl workload-identity issue-x509|issue-jwt|export-bundle|export-oidc`: issuing as the admin for
 * scripts and CI, and exporting trust material for relying parties and static OIDC hosting.
 */
import {promises as fs} from 'node:fs'
import {join} from 'node:path'
import {BadParameterError} from '../lib/errors.js'
import type {LocalBackend} from '../lib/backend/local/backend.js'
import type {OutputServiceConfig, WorkloadIdentitySelector} from '../lib/tbot/config/types.js'
import type {BotSession, TrustBundle} from '../lib/issuance/contract.js'
import {writeFileAtomic} from '../lib/storage/atomic.js'

export interface IssueOptions {
  readonly selector: WorkloadIdentitySelector
  readonly outputDir: string
  readonly ttlMs: number
  /** Present for JWT-SVIDs. */
  readonly audiences?: readonly string[]
}

/** Issue as the admin and write the files tbot writes. */
export async function issueToDirectory(session: BotSession, o: IssueOptions): Promise<Issued> {
  const [{createOutputService}, {discardLogger}] = await Promise.all([import('../lib/tbot/services.js'), import('../lib/log.js')])
  const common = {
    name: 'tctl', origin: '--output', selector: o.selector, credentialTtlMs: o.ttlMs, renewalIntervalMs: o.ttlMs,
    destination: {type: 'directory', path: o.outputDir, symlinks: 'try-secure'} as const,
  }
  const config: OutputServiceConfig = o.audiences
    ? {...common, type: 'workload-identity-jwt', audiences: o.audiences}
    : {...common, type: 'workload-identity-x509', includeFederatedTrustBundles: false}
  const service = createOutputService(config, {log: discardLogger})
  await service.init()
  try {
    const {spiffeId, expiresAt} = await service.generate(session, new AbortController().signal)
    return {svidType: o.audiences ? 'JWT' : 'X509', spiffeId, expiresAt, output: o.outputDir}
  } finally {
    await session.close()
  }
}

export type BundleFormat = 'pem' | 'jwks' | 'spiffe'

export async function exportBundle(session: BotSession): Promise<TrustBundle> {
  try {
    return await session.trustBundle()
  } finally {
    await session.close()
  }
}

/** The bundle as `--format` asks: the CA certificates (PEM), the JWT keys (JWKS), or the SPIFFE bundle (JSON). */
export async function bundleText(bundle: TrustBundle, format: string): Promise<string> {
  if (format === 'pem') return bundle.x509Pem
  const {spiffeBundleFromTrust} = await import('../lib/authority/trust.js')
  return JSON.stringify(format === 'jwks' ? {keys: bundle.jwtKeys} : spiffeBundleFromTrust(bundle), null, 2) + '\n'
}

/** What `issue-x509` and `issue-jwt` report: the identity issued, until when, and where it was written. */
export interface Issued {
  readonly svidType: 'X509' | 'JWT'
  readonly spiffeId: string
  readonly expiresAt: Date
  readonly output: string
}

export function issuedText(r: Issued): string {
  return `Issued ${r.svidType} SVID ${r.spiffeId}, expires ${r.expiresAt.toISOString()}, written to ${r.output}\n`
}

/**
 * Writes `<out>/.well-known/openid-configuration` and `<out>/jwt-jwks.json`, to be served at
 * `<issuer>/...` by any static host. The issuer must be the one the cluster puts in `iss`, or
 * AWS would refuse every token, so a different one is refused here.
 */
export async function exportOidc(backend: LocalBackend, outDir: string, issuer: string | undefined): Promise<{files: string[]}> {
  const {jwtJwks, oidcDiscovery} = await import('../lib/authority/trust.js')
  const authority = await backend.authority()
  if (issuer !== undefined && issuer.replace(/\/+$/, '') !== authority.issuer) {
    throw new BadParameterError(
      `--issuer ${issuer} is not the issuer this cluster signs JWT-SVIDs with (${authority.issuer}); ` +
        'set the cluster\'s public address with "tctl init --public-addr HOST" so they match',
    )
  }
  // Public documents: world-readable, so a web server can serve them.
  await fs.mkdir(join(outDir, '.well-known'), {recursive: true, mode: 0o755})
  const files = [join(outDir, '.well-known', 'openid-configuration'), join(outDir, 'jwt-jwks.json')]
  const ca = await authority.caMaterial()
  const bodies = [oidcDiscovery(ca, authority.issuer), jwtJwks(ca)]
  for (let i = 0; i < files.length; i++) await writeFileAtomic(files[i]!, JSON.stringify(bodies[i], null, 2) + '\n', {mode: 0o644})
  return {files}
}

export function wroteText({files}: {files: readonly string[]}): string {
  return files.map((file) => `Wrote ${file}\n`).join('')
}
