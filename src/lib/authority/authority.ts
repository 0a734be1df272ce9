/**
 * The Authority: decides who may have which identity and signs it (issue "The certificate
 * authority"). The same object runs in-process for the local backend and inside the server:
 * caller → policy snapshot → decision (authz/decision.ts: RBAC, labels, rules, templates) → TTL cap
 * → sign (ca/) → audit, awaited: no credential is returned before its audit record is durable.
 */
import type {KeyObject} from 'node:crypto'
import type {WorkloadAttrs} from '../authz/attributes.js'
import {selectByLabels, type IssuanceDecision} from '../authz/decision.js'
import type {CaCache} from '../ca/ca-cache.js'
import type {CrlSource} from './crl-source.js'
import {trustBundle} from './trust.js'
import type {TrustBundle} from '../issuance/contract.js'
import type {CaMaterial} from '../ca/ca-material.js'
import {signJwtSvid} from '../ca/fast-leaf/jwt.js'
import {issueX509Svid} from '../ca/profiles.js'
import {BadParameterError, NotFoundError} from '../errors.js'
import type {WorkloadIdentity} from '../resources/types.js'
import {MAX_SPIFFE_ID_BYTES} from '../resources/workload-identity.js'
import type {JwtSvidCredential, WorkloadIdentitySelector, X509SvidCredential} from '../issuance/contract.js'
import type {AuditSink} from './audit.js'
import type {BotJoinEvent} from './audit-line.js'
import type {Caller, CallerContext} from './caller.js'
import {DecisionMemo} from './decision-memo.js'
import type {PolicyCache, PolicySnapshot} from './policy.js'

/** Requested TTL 0 means the default. */
export const DEFAULT_SVID_TTL_MS = 60 * 60_000
/** JWT-SVIDs never outlive 24h, whatever the identity's cap says. */
const JWT_HARD_MAX_MS = 24 * 60 * 60_000

export interface IssueCommon {
  readonly caller: Caller
  readonly selector: WorkloadIdentitySelector
  readonly ttlMs?: number
  readonly workloadAttrs?: WorkloadAttrs
}

export interface IssueX509Input extends IssueCommon {
  /** PKIX DER (or a KeyObject in-process): the caller keeps the private key. */
  readonly publicKey: Uint8Array | KeyObject
}

export interface IssueJwtInput extends IssueCommon {
  readonly audiences: readonly string[]
}

export interface AuthorityDeps {
  /** Read per issuance: a rotation (authority/rotation.ts) changes the signing keys within the cache's max age. */
  readonly ca: CaCache
  readonly policy: PolicyCache
  readonly audit: AuditSink
  /** The JWT `iss`: `https://<public addr>/workload-identity`. */
  readonly issuer: string
  readonly now: () => Date
  /** The CRLs published with the trust bundle (absent: none). */
  readonly crls?: CrlSource
}

interface Decided {
  readonly decisions: IssuanceDecision[]
  readonly context: CallerContext
}

export class Authority {
  private readonly memo = new DecisionMemo()

  constructor(private readonly deps: AuthorityDeps) {}

  /**
   * The CA material last read (a check against the store starts in the background when it is due).
   * For the bot CA's TLS identity, which does not rotate; trust publishers call caMaterial().
   */
  get ca(): CaMaterial {
    return this.deps.ca.last()
  }

  /** The CA material, checked against the store within the cache's max age: what bundles are built from. */
  caMaterial(): Promise<CaMaterial> {
    return this.deps.ca.get()
  }

  /** The trust bundle as published now: every trusted CA and JWT key, and the CRLs. */
  async trustBundle(): Promise<TrustBundle> {
    const ca = await this.deps.ca.get()
    return trustBundle(ca, await this.deps.crls?.current(ca))
  }

  /** The CRL source, when there is one (revocations: crl-source.ts). */
  get crls(): CrlSource | undefined {
    return this.deps.crls
  }

  /** The cache itself: rotation invalidates it, publishers subscribe to its changes. */
  get caCache(): CaCache {
    return this.deps.ca
  }

  private signingCa(): CaMaterial | Promise<CaMaterial> {
    return this.deps.ca.fresh() ?? this.deps.ca.get()
  }

  get issuer(): string {
    return this.deps.issuer
  }

  /** Records a `bot.join` attempt (authority/bot-identity.ts); resolves once it is durable. */
  recordBotJoin(event: BotJoinEvent): Promise<void> {
    return this.deps.audit.botJoin?.(event) ?? Promise.resolve()
  }

  /** Waits until every audit record so far is written (rejects if one could not be). */
  flush(): Promise<void> {
    return this.deps.audit.flush()
  }

  async issueX509Svids(input: IssueX509Input): Promise<X509SvidCredential[]> {
    // DER goes to the leaf builder as it came: it checks the SPKI itself, and a KeyObject round trip
    // costs ~500 µs here (OpenSSL 3.0 decoders), ten times a P-256 signature.
    const publicKey = input.publicKey
    const decided = this.decideRecordingRefusal('x509', input)
    const {decisions, context} = decided instanceof Promise ? await decided : decided
    const signing = this.signingCa()
    const ca = signing instanceof Promise ? await signing : signing
    const recorded: Array<Promise<void>> = []
    const credentials = decisions.map((d) => {
      const ttlMs = capTtl(input.ttlMs, d.x509MaxTtlMs)
      const cert = issueX509Svid({
        ca: ca.spiffeCa, publicKey, spiffeId: d.spiffeId, dnsSans: d.dnsSans, subject: d.subject, ttlMs, now: this.deps.now,
      })
      recorded.push(this.deps.audit.svidIssued({
        svidType: 'x509', user: context.userName, spiffeId: d.spiffeId.toString(), serialNumber: cert.serialHex,
        dnsSans: d.dnsSans, hint: d.hint, workloadIdentity: d.workloadIdentity.name,
        workloadIdentityRevision: d.workloadIdentity.revision, ...selectorFields(input.selector), attributes: context.attrs,
      }))
      return {
        spiffeId: d.spiffeId.toString(), hint: d.hint, workloadIdentityName: d.workloadIdentity.name,
        expiresAt: cert.notAfter, ttlMs, certificateDer: cert.der, chainDer: [], serialNumber: cert.serialHex,
      }
    })
    await auditRecorded(recorded)
    return credentials
  }

  async issueJwtSvids(input: IssueJwtInput): Promise<JwtSvidCredential[]> {
    const audiences = input.audiences.filter((a) => a !== '')
    if (audiences.length === 0) throw new BadParameterError('jwt_svid_params.audiences: at least one audience should be specified')
    const decided = this.decideRecordingRefusal('jwt', input)
    const {decisions, context} = decided instanceof Promise ? await decided : decided
    const signing = this.signingCa()
    const key = (signing instanceof Promise ? await signing : signing).jwtKey
    const recorded: Array<Promise<void>> = []
    const credentials = decisions.map((d) => {
      const ttlMs = Math.min(capTtl(input.ttlMs, d.jwtMaxTtlMs), JWT_HARD_MAX_MS)
      const signed = signJwtSvid({
        key: key.privateKey, kid: key.kid, alg: key.alg, issuer: this.deps.issuer, spiffeId: d.spiffeId,
        audiences, ttlMs, extraClaims: d.extraClaims, now: this.deps.now,
      })
      recorded.push(this.deps.audit.svidIssued({
        svidType: 'jwt', user: context.userName, spiffeId: d.spiffeId.toString(), jti: signed.jti, audiences,
        hint: d.hint, workloadIdentity: d.workloadIdentity.name, workloadIdentityRevision: d.workloadIdentity.revision,
        ...selectorFields(input.selector), attributes: context.attrs,
      }))
      return {
        spiffeId: d.spiffeId.toString(), hint: d.hint, workloadIdentityName: d.workloadIdentity.name,
        expiresAt: signed.expiresAt, ttlMs, jwt: signed.token, audiences,
      }
    })
    await auditRecorded(recorded)
    return credentials
  }

  /** Synchronous while the policy snapshot is fresh (most calls): an await per issuance is measurable. */
  /** decide(), and a refusal recorded before it is thrown (stays synchronous on the hot path). */
  private decideRecordingRefusal(svidType: 'x509' | 'jwt', input: IssueCommon): Decided | Promise<Decided> {
    let decided: Decided | Promise<Decided>
    try {
      decided = this.decide(input)
    } catch (err) {
      return this.recordRefusal(svidType, input, err)
    }
    return decided instanceof Promise ? decided.catch((err: unknown) => this.recordRefusal(svidType, input, err)) : decided
  }

  /** One failed-issuance line with the reason (audit-line.ts svidDeniedLine); the refusal stands even if it cannot be written. */
  private async recordRefusal(svidType: 'x509' | 'jwt', input: IssueCommon, err: unknown): Promise<never> {
    const {caller, selector} = input
    const user = caller.kind === 'bot' ? `bot-${caller.botName}` : caller.name
    const selected = selector.name !== undefined ? {name_selector: selector.name} : {label_selectors: selector.labels}
    const attributes = {...(input.workloadAttrs ? {workload: input.workloadAttrs} : {}), ...(caller.kind === 'bot' && caller.join ? {join: caller.join} : {})}
    const error = err instanceof Error ? err.message : String(err)
    await this.deps.audit.svidDenied?.({svidType, user, selector: selected, attributes, error}).catch(() => undefined)
    throw err
  }

  private decide(input: IssueCommon): Decided | Promise<Decided> {
    const policy = this.deps.policy.fresh()
    if (policy) return this.decideWith(policy, input)
    return this.deps.policy.get().then((snapshot) => this.decideWith(snapshot, input))
  }

  private decideWith(policy: PolicySnapshot, input: IssueCommon): Decided {
    const {context, byName} = this.memo.context(input.caller, policy, input.workloadAttrs)
    const td = this.deps.ca.last().trustDomain
    if (input.selector.name !== undefined) {
      const wi = workloadIdentityNamed(policy, input.selector.name)
      // Issue-by-name needs read and list, as issue-by-labels does (the roles in the seeds grant both).
      return {decisions: checkSpiffeIdLengths([this.memo.decideByName(context, byName, wi, td)]), context}
    }
    const wis = [...policy.workloadIdentities.values()]
    return {decisions: checkSpiffeIdLengths(selectByLabels(wis, input.selector.labels, context.roles, context.attrs, td)), context}
  }
}

/**
 * Nothing issued without its audit record: the credentials leave the Authority only once every
 * record is durable (audit.ts), so a failed audit write fails the issuance and the signed
 * credentials are dropped here, never returned.
 */
async function auditRecorded(recorded: ReadonlyArray<Promise<void>>): Promise<void> {
  if (recorded.length === 1) return recorded[0]
  await Promise.all(recorded)
}

/**
 * SPIFFE-ID.md §2.3 Maximum SPIFFE ID Length: an implementation SHOULD NOT generate a SPIFFE ID
 * longer than 2048 bytes. A template can render one (a long trait or workload attribute), so the
 * rendered ID is measured before anything is signed; the whole request is refused, as for the
 * other rendering errors (authz/decision.ts).
 */
function checkSpiffeIdLengths(decisions: IssuanceDecision[]): IssuanceDecision[] {
  for (const d of decisions) {
    const bytes = Buffer.byteLength(d.spiffeId.toString(), 'utf8')
    if (bytes > MAX_SPIFFE_ID_BYTES) {
      throw new BadParameterError(
        `workload identity "${d.workloadIdentity.name}": the rendered SPIFFE ID is ${bytes} bytes long, ` +
        `longer than the ${MAX_SPIFFE_ID_BYTES} bytes the SPIFFE standard allows (SPIFFE-ID.md §2.3)`,
      )
    }
  }
  return decisions
}

function workloadIdentityNamed(policy: PolicySnapshot, name: string): WorkloadIdentity {
  const wi = policy.workloadIdentities.get(name)
  if (!wi) throw new NotFoundError(`workload_identity "${name}" not found`)
  return wi
}

/** Requested TTL (0 or absent: 1h), silently capped by the identity's maximum, as Teleport's issuer does. */
export function capTtl(requestedMs: number | undefined, maxMs: number): number {
  const requested = requestedMs && requestedMs > 0 ? requestedMs : DEFAULT_SVID_TTL_MS
  return Math.min(requested, maxMs)
}

function selectorFields(selector: WorkloadIdentitySelector): {nameSelector?: string; labelSelectors?: Readonly<Record<string, readonly string[]>>} {
  return selector.name !== undefined ? {nameSelector: selector.name} : {labelSelectors: selector.labels}
}
