/**
 * The workload-identity-x509 and workload-identity-jwt output services (Teleport's lib/tbot/config,
 * lib/tbot/services/workloadidentity/x509_output.go, jwt_output.go): issue exactly one SVID through
 * the BotSession and write it to the destination.
 *
 * X.509: tbot makes an ECDSA P-256 key itself (suite BotSVID; the private key never leaves this
 * process except into `svid_key.pem`), sends only the public key, and writes `svid_key.pem` (PKCS#8),
 * then `svid.pem` (leaf + chain), then `svid_bundle.pem` (trust domain CAs, + federated if enabled),
 * so a workload never sees a certificate without its key. JWT: `jwt_svid`, the compact JWS, no newline.
 * One INFO line per generation, with the SPIFFE ID and expiry; never the key or the token.
 */
import {X509Certificate, generateKeyPair} from 'node:crypto'
import {promisify} from 'node:util'
import {BadParameterError} from '../errors.js'
import type {Logger} from '../log.js'
import {JWT_OUTPUT_TYPE, type JwtOutputConfig, type OutputServiceConfig, type X509OutputConfig} from './config/types.js'
import {JWT_SVID, openDestination, SVID_BUNDLE_PEM, SVID_KEY_PEM, SVID_PEM, type Destination} from './destination.js'
import type {BotSession, CredentialMeta, TrustBundle} from '../issuance/contract.js'
import {svidsIssued} from '../metrics/tbot.js'

export interface GenerationResult {
  readonly spiffeId: string
  readonly expiresAt: Date
  /** The trust bundle fingerprint written (X.509 only). */
  readonly bundleFingerprint?: string
}

export interface OutputService {
  readonly config: OutputServiceConfig
  readonly destination: Destination
  /** For log lines: `generate X509 SVID`. */
  readonly action: string
  init(): Promise<void>
  generate(session: BotSession, signal: AbortSignal): Promise<GenerationResult>
}

export interface OutputServiceDeps {
  readonly log: Logger
  /** Defaults to `openDestination(config.destination)`. */
  readonly destination?: Destination
}

export function createOutputService(config: OutputServiceConfig, deps: OutputServiceDeps): OutputService {
  const destination = deps.destination ?? openDestination(config.destination)
  const log = deps.log.with({service: config.name})
  return config.type === JWT_OUTPUT_TYPE
    ? new JwtOutputService(config, destination, log)
    : new X509OutputService(config, destination, log)
}

class X509OutputService implements OutputService {
  readonly action = 'generate X509 SVID'
  constructor(readonly config: X509OutputConfig, readonly destination: Destination, private readonly log: Logger) {}

  init(): Promise<void> {
    return this.destination.init()
  }

  async generate(session: BotSession, signal: AbortSignal): Promise<GenerationResult> {
    signal.throwIfAborted()
    const bundle = await session.trustBundle(signal)
    const key = await generateP256Key()
    const svids = await session.issueX509Svids({
      selector: this.config.selector,
      publicKeyDer: key.publicKeyDer,
      ttlMs: this.config.credentialTtlMs,
      signal,
    })
    svidsIssued('x509', svids)
    const svid = exactlyOne(svids, 'X509')
    const leafPem = derToPem(svid.certificateDer, 'CERTIFICATE')
    checkKeyMatches(leafPem, key.publicKeyDer)
    // From here on the SVID exists: write it even if a stop arrives, so the files stay a matching set.
    await this.destination.write([
      {name: SVID_KEY_PEM, data: key.privateKeyPem},
      {name: SVID_PEM, data: leafPem + svid.chainDer.map((der) => derToPem(der, 'CERTIFICATE')).join('')},
      {name: SVID_BUNDLE_PEM, data: bundlePem(bundle, this.config.includeFederatedTrustBundles)},
    ])
    this.log.info('Generated X509 SVID', {
      spiffe_id: svid.spiffeId,
      expires: svid.expiresAt,
      serial: svid.serialNumber,
      destination: this.destination.description,
    })
    return {spiffeId: svid.spiffeId, expiresAt: svid.expiresAt, bundleFingerprint: bundle.fingerprint}
  }
}

class JwtOutputService implements OutputService {
  readonly action = 'generate JWT SVID'
  constructor(readonly config: JwtOutputConfig, readonly destination: Destination, private readonly log: Logger) {}

  init(): Promise<void> {
    return this.destination.init()
  }

  async generate(session: BotSession, signal: AbortSignal): Promise<GenerationResult> {
    signal.throwIfAborted()
    const svids = await session.issueJwtSvids({
      selector: this.config.selector,
      audiences: this.config.audiences,
      ttlMs: this.config.credentialTtlMs,
      signal,
    })
    svidsIssued('jwt', svids)
    const svid = exactlyOne(svids, 'JWT')
    await this.destination.write([{name: JWT_SVID, data: svid.jwt}])
    this.log.info('Generated JWT SVID', {
      spiffe_id: svid.spiffeId,
      audiences: svid.audiences,
      expires: svid.expiresAt,
      destination: this.destination.description,
    })
    return {spiffeId: svid.spiffeId, expiresAt: svid.expiresAt}
  }
}

/** Teleport's messages: `no X509 SVIDs returned`, `multiple X509 SVIDs received: [name:spiffe-id ...]`. */
export function exactlyOne<T extends CredentialMeta>(credentials: readonly T[], kind: 'X509' | 'JWT'): T {
  const [first] = credentials
  if (first === undefined) throw new BadParameterError(`no ${kind} SVIDs returned`)
  if (credentials.length > 1) {
    const received = credentials.map((c) => `${c.workloadIdentityName}:${c.spiffeId}`).join(' ')
    throw new BadParameterError(`multiple ${kind} SVIDs received: [${received}]`)
  }
  return first
}

export interface P256Key {
  /** SubjectPublicKeyInfo, DER: what the issuer certifies. */
  readonly publicKeyDer: Uint8Array
  /** PKCS#8 `PRIVATE KEY` PEM: what svid_key.pem holds. */
  readonly privateKeyPem: string
  /** The same PKCS#8, DER: what the Workload API sends. */
  readonly privateKeyDer: Uint8Array
}

const generateKeyPairAsync = promisify(generateKeyPair)

/** An ECDSA P-256 key made in this process (Teleport's BotSVID suite key), off the main thread. */
export async function generateP256Key(): Promise<P256Key> {
  const {publicKey, privateKey} = await generateKeyPairAsync('ec', {namedCurve: 'prime256v1'})
  return {
    publicKeyDer: new Uint8Array(publicKey.export({type: 'spki', format: 'der'})),
    privateKeyPem: privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
    privateKeyDer: new Uint8Array(privateKey.export({type: 'pkcs8', format: 'der'})),
  }
}

export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/** The trust domain's CAs, then (if asked) each federated domain's, PEM, newline-terminated. */
export function bundlePem(bundle: TrustBundle, includeFederated: boolean): string {
  const parts = [bundle.x509Pem, ...(includeFederated ? bundle.federated.map((f) => f.x509Pem) : [])]
  return parts.map((p) => (p.endsWith('\n') || p === '' ? p : p + '\n')).join('')
}

/** A certificate for someone else's key would leave svid.pem and svid_key.pem unusable together. */
function checkKeyMatches(leafPem: string, publicKeyDer: Uint8Array): void {
  const certKey = new X509Certificate(leafPem).publicKey.export({type: 'spki', format: 'der'})
  if (!Buffer.from(publicKeyDer).equals(certKey)) {
    throw new BadParameterError('issued X509 SVID does not certify the key tbot generated')
  }
}
