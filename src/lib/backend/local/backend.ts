/**
 * The backend used in-process: over a data directory on this machine (the embedded default), or
 * over stores injected by the caller (PostgreSQL, shared by several server replicas: stores.ts).
 */
import type {ResourceStore} from '../../storage/resource-store.js'
import {RESOURCE_KINDS, type Resource, type ResourceKind, type ResourceOf} from '../../resources/types.js'
import type {ClusterInfo, DataDirPaths} from './data-dir.js'
import {type BackendStores, CA_CHANGE, type Readiness, fileStores} from './stores.js'
import type {CaMaterial} from '../../ca/ca-material.js'
import {CaCache} from '../../ca/ca-cache.js'
import type {LeaderLock} from '../../storage/leader-lock.js'
import type {CaStateStore} from '../../storage/ca-state-store.js'
import {caPinsOf, loadCa} from './ca-files.js'
import {createResources, deleteResource, getResource} from './resources.js'
import {addBot, deleteBot, updateBot} from './bots.js'
import {TOKEN_TTL_DEFAULT_MS, makeBotToken, newTokenValue} from './tokens.js'
import {CrlSource} from '../../authority/crl-source.js'
import type {Authority} from '../../authority/authority.js'
import {PolicyCache} from '../../authority/policy.js'
import type {
  AddBotRequest, AddBotResult, AddTokenRequest, AdminApi, ClusterStatus, CreateOutcome, UpdateBotRequest, UpdateBotResult,
} from '../admin-api.js'
import type {ProvisionToken} from '../../resources/types.js'
import type {CaAdminApi, CaRotationStatus, RotateRequest} from '../ca-admin-api.js'

export interface LocalBackendOptions {
  readonly dataDir: string
  /** Create the data directory on first use (default true). */
  readonly create?: boolean
  readonly clusterName?: string
  /** Stored when the directory is created; when given, also overrides the stored one in this process. */
  readonly publicAddr?: string
  readonly now?: () => Date
  readonly version?: string
  /** How long a policy snapshot serves issuance before it is read again (PolicyCache's default when absent). */
  readonly policyMaxAgeMs?: number
  /** Where the CA state document lives (default: the data directory's ca/state.json). */
  readonly caStateStore?: CaStateStore
  /** How long the CA read for issuance serves before its revision is checked again (CaCache's default when absent). */
  readonly caMaxAgeMs?: number
}

export type LocalBackendOverOptions = Pick<LocalBackendOptions, 'publicAddr' | 'now' | 'version' | 'policyMaxAgeMs' | 'caMaxAgeMs'>

export class LocalBackend implements AdminApi, CaAdminApi {
  private authorityPromise?: Promise<Authority>
  /** Issuance reads policy from here; this process's writes invalidate it at once. */
  readonly policy: PolicyCache
  /** Issuance and the trust publishers read the CA from here; a rotation in this process invalidates it at once. */
  readonly ca: CaCache
  /** The CRLs published with the trust bundle; this process's writes invalidate their revocation list. */
  readonly crls: CrlSource

  readonly info: ClusterInfo
  readonly store: ResourceStore
  private readonly now: () => Date
  private readonly version: string

  private constructor(private readonly stores: BackendStores, options: LocalBackendOverOptions) {
    // A given public address wins over the stored one for this process: the server's config says
    // where it is reached, and so what its JWT-SVIDs' issuer is.
    this.info = options.publicAddr !== undefined ? {...stores.info, publicAddr: options.publicAddr} : stores.info
    this.store = stores.resources
    this.now = options.now ?? (() => new Date())
    this.version = options.version ?? ''
    this.policy = new PolicyCache(stores.resources, options.policyMaxAgeMs ?? stores.policyMaxAgeMs)
    this.ca = new CaCache(stores.caState, stores.caStateName, options.caMaxAgeMs)
    this.crls = new CrlSource(stores.resources, this.now)
    // Another replica's write (change feed): read policy, or the CA after a rotation, again at once.
    stores.onChange((what) => {
      this.policy.invalidate()
      this.crls.invalidate()
      if (what === undefined || what.has(CA_CHANGE)) this.ca.invalidate()
    })
  }

  static async open(options: LocalBackendOptions): Promise<LocalBackend> {
    const now = options.now ?? (() => new Date())
    const stores = await fileStores(options.dataDir, {
      create: options.create ?? true, clusterName: options.clusterName, publicAddr: options.publicAddr, now, caStateStore: options.caStateStore,
    })
    return new LocalBackend(stores, {...options, now})
  }

  /** Over stores the caller opened (storage/postgres/stores.ts); closing the backend closes them. */
  static over(stores: BackendStores, options: LocalBackendOverOptions = {}): LocalBackend {
    return new LocalBackend(stores, options)
  }

  /** The data directory (with a shared database, only this replica's own files: stores.ts). */
  get paths(): DataDirPaths {
    return this.stores.paths
  }

  /** The CA material to sign with now (through the CaCache; the change feed drops it when another replica writes it). */
  loadCa(): Promise<CaMaterial> {
    return loadCa(this.paths, this.ca)
  }

  /** Whether the stores answer now; the reason in one line when not (for readiness probes). */
  ready(): Promise<Readiness> {
    return this.stores.ready()
  }

  /** The store's own leader election among replicas (a shared database), or undefined (a data directory). */
  sharedLeaderLock(name: string): LeaderLock | undefined {
    return this.stores.leaderLock?.(name)
  }

  /** Releases the stores' connections (a no-op for the data directory). */
  close(): Promise<void> {
    return this.stores.close()
  }

  get clusterName(): string {
    return this.info.clusterName
  }

  get clock(): () => Date {
    return this.now
  }

  /** The Authority over this data directory (loads the CA keys on first use, not before). */
  authority(): Promise<Authority> {
    this.authorityPromise ??= (async () => {
      const [{Authority}, {issuerUrl}] = await Promise.all([
        // The first load, so Authority.ca has material from the start.
        import('../../authority/authority.js'), import('../../oidc.js'), this.loadCa(),
      ])
      const issuer = issuerUrl(this.info.publicAddr ?? this.info.clusterName)
      return new Authority({ca: this.ca, crls: this.crls, policy: this.policy, audit: this.stores.openAudit(this.now), issuer, now: this.now})
    })()
    return this.authorityPromise
  }

  private async written<T>(result: Promise<T>): Promise<T> {
    try {
      return await result
    } finally {
      this.policy.invalidate()
      this.crls.invalidate()
    }
  }

  async status(): Promise<ClusterStatus> {
    const counts = Object.fromEntries(
      await Promise.all(RESOURCE_KINDS.map(async (k) => [k, (await this.store.list(k)).length] as const)),
    ) as Record<ResourceKind, number>
    return {clusterName: this.clusterName, version: this.version, caPins: await caPinsOf(await this.loadCa()), counts}
  }

  createResources(resources: readonly Resource[], options: {force: boolean}): Promise<CreateOutcome[]> {
    return this.written(createResources(this.store, resources, options))
  }

  getResource<K extends ResourceKind>(kind: K, name: string): Promise<ResourceOf<K>> {
    return getResource(this.store, kind, name)
  }

  listResources<K extends ResourceKind>(kind: K): Promise<ResourceOf<K>[]> {
    return this.store.list(kind)
  }

  deleteResource(kind: ResourceKind, name: string): Promise<void> {
    return this.written(kind === 'bot' ? deleteBot(this.store, name) : deleteResource(this.store, kind, name))
  }

  addBot(request: AddBotRequest): Promise<AddBotResult> {
    return this.written(addBot(this.store, request, this.now()))
  }

  updateBot(request: UpdateBotRequest): Promise<UpdateBotResult> {
    return this.written(updateBot(this.store, request))
  }

  deleteBot(name: string): Promise<void> {
    return this.written(deleteBot(this.store, name))
  }

  async addToken(request: AddTokenRequest): Promise<ProvisionToken> {
    // The bot need not exist yet: `tctl bots add NAME --token=T` may follow. Joining checks it.
    return this.store.transact(async (tx) => {
      const token = makeBotToken(request.botName, request.ttlMs ?? TOKEN_TTL_DEFAULT_MS, this.now(), request.value ?? newTokenValue())
      return tx.put(token)
    })
  }

  async rotateCertAuthority(request: RotateRequest): Promise<CaRotationStatus> {
    const {rotateCertAuthority} = await import('../../authority/rotation.js')
    return rotateCertAuthority(this.ca, request, this.now())
  }

  /** Moves a due automatic rotation first: on the local backend no server runs the schedule. */
  async caRotationStatus(): Promise<CaRotationStatus[]> {
    const {advanceAutoRotations, caRotationStatus} = await import('../../authority/rotation.js')
    await advanceAutoRotations(this.ca, this.now())
    return caRotationStatus(this.ca)
  }
}
