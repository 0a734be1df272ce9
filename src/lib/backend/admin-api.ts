/**
 * The admin side of a cluster, as `tctl` sees it. Two implementations: the local backend (a data
 * directory, in-process) and the remote backend (HTTPS to the server, which runs the local one).
 * One contract test suite runs against both.
 */
import type {Bot, ProvisionToken, Resource, ResourceKind, ResourceOf} from '../resources/types.js'

export interface CreateOutcome {
  readonly kind: ResourceKind
  readonly name: string
  /** `updated` only when the resource existed and was overwritten with --force. */
  readonly action: 'created' | 'updated'
}

export interface AddBotRequest {
  readonly name: string
  readonly roles: readonly string[]
  readonly logins?: readonly string[]
  /** Lifetime of the join token made for the bot (default 1h). */
  readonly tokenTtlMs?: number
  /** An existing token to use instead of making one. */
  readonly tokenName?: string
}

export interface AddBotResult {
  readonly bot: Bot
  readonly token: ProvisionToken
}

export interface UpdateBotRequest {
  readonly name: string
  readonly setRoles?: readonly string[]
  readonly addRoles?: readonly string[]
  readonly setLogins?: readonly string[]
  readonly addLogins?: readonly string[]
}

export interface UpdateBotResult {
  readonly changed: boolean
  readonly bot: Bot
}

export interface AddTokenRequest {
  readonly type: 'bot'
  readonly botName: string
  readonly ttlMs?: number
  /** A chosen secret value; random when absent. */
  readonly value?: string
}

export interface ClusterStatus {
  readonly clusterName: string
  readonly version: string
  /** `sha256:<hex>` pins of the cluster CA's public key, as `tctl status` prints them. */
  readonly caPins: readonly string[]
  readonly counts: Readonly<Record<ResourceKind, number>>
}

export interface AdminApi {
  status(): Promise<ClusterStatus>
  /** Applies documents in order after checking them all; without force an existing one is an error. */
  createResources(resources: readonly Resource[], options: {force: boolean}): Promise<CreateOutcome[]>
  getResource<K extends ResourceKind>(kind: K, name: string): Promise<ResourceOf<K>>
  listResources<K extends ResourceKind>(kind: K): Promise<ResourceOf<K>[]>
  deleteResource(kind: ResourceKind, name: string): Promise<void>
  addBot(request: AddBotRequest): Promise<AddBotResult>
  updateBot(request: UpdateBotRequest): Promise<UpdateBotResult>
  deleteBot(name: string): Promise<void>
  addToken(request: AddTokenRequest): Promise<ProvisionToken>
}
