/**
 * The remote backend: AdminApi over HTTPS to the server, authenticated by an admin identity file
 * (`tctl auth sign`). The server runs the LocalBackend, and its typed errors come back as the same
 * classes with the same messages (net/https-client.ts), so `tctl` prints and exits alike.
 */
import {X509Certificate} from 'node:crypto'
import {rootCertificates} from 'node:tls'
import {
  encodeAddBot, encodeAddToken, encodeUpdateBot, parseAddBotResult, parseCreateOutcomes, parseResourceList, parseResourceOf, parseStatus, parseToken,
  parseUpdateBotResult,
} from '../../wire/admin.js'
import {API, botPath, resourcePath} from '../../wire/paths.js'
import type {ProvisionToken, Resource, ResourceKind, ResourceOf} from '../../resources/types.js'
import type {HttpsClientOptions, HttpsJsonClient, ServerTrust} from '../../net/https-client.js'
import type {
  AddBotRequest, AddBotResult, AddTokenRequest, AdminApi, ClusterStatus, CreateOutcome, UpdateBotRequest, UpdateBotResult,
} from '../admin-api.js'
import type {IdentityFile} from '../identity-file.js'
import type {CaAdminApi, CaRotationStatus, RotateRequest} from '../ca-admin-api.js'
import {RemoteAdminSession} from './issuer.js'

export interface RemoteBackendOptions {
  /** `https://host:port` (net/server-url.ts). */
  readonly url: string
  readonly identity: IdentityFile
  /** Skip verifying the server (tests only; warns loudly). */
  readonly insecure?: boolean
  readonly timeoutMs?: number
  readonly warn?: (message: string) => void
}

/**
 * Trust in the server: the CA certificates of the identity file (the cluster's TLS CA, which signs
 * the server's own certificate), plus the system roots for a server with `https_keypairs`.
 */
export function identityTrust(identity: IdentityFile, insecure: boolean | undefined): ServerTrust {
  return insecure === true ? {kind: 'insecure'} : {kind: 'ca', caPem: [...identity.caPems, ...rootCertificates]}
}

/** The cluster's name: the subject CN of its TLS CA (CN = O = cluster name, ca/ca-material.ts). */
function clusterNameOf(identity: IdentityFile): string {
  const [ca] = identity.caPems
  if (ca === undefined) return ''
  return /(?:^|\n)CN=([^\n]*)/.exec(new X509Certificate(ca).subject)?.[1] ?? ''
}

export class RemoteBackend implements AdminApi, CaAdminApi {
  readonly clusterName: string
  private connecting?: Promise<HttpsJsonClient>

  constructor(private readonly options: RemoteBackendOptions) {
    this.clusterName = clusterNameOf(options.identity)
  }

  get url(): string {
    return this.options.url
  }

  clientOptions(): HttpsClientOptions {
    const o = this.options
    return {
      url: o.url, trust: identityTrust(o.identity, o.insecure), identity: {certPem: o.identity.certPem, keyPem: o.identity.keyPem},
      ...(o.timeoutMs !== undefined ? {timeoutMs: o.timeoutMs} : {}), ...(o.warn !== undefined ? {warn: o.warn} : {}),
    }
  }

  private client(): Promise<HttpsJsonClient> {
    this.connecting ??= import('../../net/https-client.js').then(({HttpsJsonClient}) => HttpsJsonClient.create(this.clientOptions()))
    return this.connecting
  }

  async close(): Promise<void> {
    if (this.connecting !== undefined) await (await this.connecting).close()
    this.connecting = undefined
  }

  /** Issue SVIDs as this admin through the server (the remote AdminSession). */
  async issuerSession(): Promise<RemoteAdminSession> {
    const {HttpsJsonClient} = await import('../../net/https-client.js')
    const expiresAt = new Date(new X509Certificate(this.options.identity.certPem).validTo)
    return new RemoteAdminSession(await HttpsJsonClient.create(this.clientOptions()), expiresAt)
  }

  async status(): Promise<ClusterStatus> {
    return parseStatus(await (await this.client()).get(API.status))
  }

  async createResources(resources: readonly Resource[], options: {force: boolean}): Promise<CreateOutcome[]> {
    return parseCreateOutcomes(await (await this.client()).post(API.resources, {resources, force: options.force}))
  }

  async getResource<K extends ResourceKind>(kind: K, name: string): Promise<ResourceOf<K>> {
    return parseResourceOf(kind, await (await this.client()).get(resourcePath(kind, name)), `${kind} "${name}"`)
  }

  async listResources<K extends ResourceKind>(kind: K): Promise<ResourceOf<K>[]> {
    const body = await (await this.client()).get(resourcePath(kind))
    return parseResourceList(kind, body)
  }

  async deleteResource(kind: ResourceKind, name: string): Promise<void> {
    await (await this.client()).delete(resourcePath(kind, name))
  }

  async addBot(request: AddBotRequest): Promise<AddBotResult> {
    return parseAddBotResult(await (await this.client()).post(API.bots, encodeAddBot(request)))
  }

  async updateBot(request: UpdateBotRequest): Promise<UpdateBotResult> {
    return parseUpdateBotResult(await (await this.client()).request('PATCH', botPath(request.name), encodeUpdateBot(request)))
  }

  async deleteBot(name: string): Promise<void> {
    await (await this.client()).delete(botPath(name))
  }

  async addToken(request: AddTokenRequest): Promise<ProvisionToken> {
    return parseToken(await (await this.client()).post(API.tokens, encodeAddToken(request)))
  }

  async rotateCertAuthority(request: RotateRequest): Promise<CaRotationStatus> {
    const {CA_API, encodeRotateRequest, parseCaStatus} = await import('../../wire/ca.js')
    return parseCaStatus(await (await this.client()).post(CA_API.rotate, encodeRotateRequest(request)), 'response body')
  }

  async caRotationStatus(): Promise<CaRotationStatus[]> {
    const {CA_API, parseCaStatusList} = await import('../../wire/ca.js')
    return parseCaStatusList(await (await this.client()).get(CA_API.status))
  }
}
