/** The embedded default backend: a data directory on this machine, used in-process. */
import {FileResourceStore} from '../../storage/file-store.js'
import type {ResourceStore} from '../../storage/resource-store.js'
import {RESOURCE_KINDS, type Resource, type ResourceKind, type ResourceOf} from '../../resources/types.js'
import {type ClusterInfo, type DataDirPaths, openDataDir} from './data-dir.js'
import {createResources, deleteResource, getResource} from './resources.js'
import {addBot, deleteBot, updateBot} from './bots.js'
import {TOKEN_TTL_DEFAULT_MS, makeBotToken, newTokenValue} from './tokens.js'
import {caPinsOf, fileCaStateStore, initCaMaterial, loadCa} from './ca-files.js'
import {CaCache} from '../../ca/ca-cache.js'
import {CrlSource} from '../../authority/crl-source.js'
import type {CaStateStore} from '../../storage/ca-state-store.js'
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

export class LocalBackend implements AdminApi, CaAdminApi {
  private authorityPromise?: Promise<Authority>
  /** Issuance reads policy from here; this process's writes invalidate it at once. */
  readonly policy: PolicyCache
  /** Issuance and the trust publishers read the CA from here; a rotation in this process invalidates it at once. */
  readonly ca: CaCache
  /** The CRLs published with the trust bundle; this process's writes invalidate their revocation list. */
  readonly crls: CrlSource

  private constructor(
    readonly paths: DataDirPaths,
    readonly info: ClusterInfo,
    readonly store: ResourceStore,
    private readonly now: () => Date,
    private readonly version: string,
    policyMaxAgeMs: number | undefined,
    caStore: {store: CaStateStore; name: string; maxAgeMs?: number},
  ) {
    this.policy = new PolicyCache(store, policyMaxAgeMs)
    this.ca = new CaCache(caStore.store, caStore.name, caStore.maxAgeMs)
    this.crls = new CrlSource(store, now)
  }

  static async open(options: LocalBackendOptions): Promise<LocalBackend> {
    const now = options.now ?? (() => new Date())
    const {paths, info: stored} = await openDataDir(options.dataDir, {
      create: options.create ?? true,
      clusterName: options.clusterName,
      publicAddr: options.publicAddr,
      initCa: initCaMaterial,
      now,
    })
    // A given public address wins over the stored one for this process: the server's config says
    // where it is reached, and so what its JWT-SVIDs' issuer is.
    const info = options.publicAddr !== undefined ? {...stored, publicAddr: options.publicAddr} : stored
    // The one place the CA state store is chosen: a database store is passed in as options.caStateStore.
    const fileStore = options.caStateStore === undefined ? fileCaStateStore(paths) : undefined
    const caStore = {store: options.caStateStore ?? fileStore!, name: fileStore?.path ?? 'the CA state store', maxAgeMs: options.caMaxAgeMs}
    return new LocalBackend(paths, info, new FileResourceStore(paths.resources, paths.lock), now, options.version ?? '', options.policyMaxAgeMs, caStore)
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
      const [{Authority}, {FileAuditLog}, {issuerUrl}] = await Promise.all([
        // The first load, so Authority.ca has material from the start.
        import('../../authority/authority.js'), import('../../authority/audit.js'), import('../../oidc.js'), loadCa(this.paths, this.ca),
      ])
      const issuer = issuerUrl(this.info.publicAddr ?? this.info.clusterName)
      return new Authority({ca: this.ca, crls: this.crls, policy: this.policy, audit: new FileAuditLog(this.paths.auditLog), issuer, now: this.now})
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
    return {clusterName: this.clusterName, version: this.version, caPins: await caPinsOf(await loadCa(this.paths, this.ca)), counts}
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
