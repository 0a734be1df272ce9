/**
 * The cluster's current CRLs (crl.ts), kept signed: revocations are read again when the last read is
 * older than `checkMs` (so a change is in the CRLs within a second or two of the next request), and
 * the CRLs are signed again when what they say changed (a revocation added, removed or expired, a CA
 * rotated) or when older than `resignMs`, long before their nextUpdate.
 */
import type {CaMaterial} from '../ca/ca-material.js'
import type {WorkloadIdentityX509Revocation} from '../resources/x509-revocation.js'
import type {ResourceStore} from '../storage/resource-store.js'
import {crlContentKey, signCrls} from './crl.js'

export interface SignedCrls {
  /** DER, one per trusted SPIFFE CA. */
  readonly ders: readonly Buffer[]
  /** Changes with their content (not with the re-signing alone). */
  readonly contentKey: string
  readonly signedAt: number
}

export class CrlSource {
  private revocations?: {list: readonly WorkloadIdentityX509Revocation[]; at: number}
  private signed?: SignedCrls
  private signing?: Promise<SignedCrls>

  constructor(
    private readonly store: ResourceStore,
    private readonly now: () => Date,
    private readonly checkMs = 1000,
    private readonly resignMs = 5 * 60_000,
  ) {}

  /** Drop the cached revocation list (this process changed it). */
  invalidate(): void {
    this.revocations = undefined
  }

  private async list(): Promise<readonly WorkloadIdentityX509Revocation[]> {
    const at = performance.now()
    if (this.revocations && at - this.revocations.at < this.checkMs) return this.revocations.list
    const list = await this.store.list('workload_identity_x509_revocation')
    this.revocations = {list, at}
    return list
  }

  /** The CRLs for `ca`'s trusted SPIFFE CAs, signed again only when needed. */
  async current(ca: CaMaterial): Promise<SignedCrls> {
    const revocations = await this.list()
    const now = this.now()
    const contentKey = crlContentKey(ca, revocations, now)
    const s = this.signed
    if (s && s.contentKey === contentKey && now.getTime() - s.signedAt < this.resignMs) return s
    this.signing ??= signCrls(ca, revocations, now)
      .then((ders) => (this.signed = {ders, contentKey, signedAt: now.getTime()}))
      .finally(() => (this.signing = undefined))
    return this.signing
  }
}
