/**
 * A WorkloadIdentitySource over the test PKI (test/helpers/pki.ts) whose entitlement is a function of
 * the caller, with rotation that notifies like tbot's source does, and the source entries it serves.
 */
import {SpiffeId, TrustDomain} from '../../src/lib/spiffe/id.js'
import type {
  JwtSvidEntry, TrustBundles, TrustDomainBundle, WorkloadCaller, WorkloadIdentitySource, X509SvidEntry,
} from '../../src/lib/workloadapi/source.js'
import {makeJwtKey, makeSvid, makeTrustDomainCa, signJwt, type JwtKey, type SvidOptions, type TrustDomainCa} from './pki.js'

export type X509SvidSourceEntry = X509SvidEntry & {notAfter: Date}

/** A leaf X509-SVID with its PKCS#8 key, as a source entry (leaf, then nothing: the CA is the root). */
export async function x509SvidEntry(ca: TrustDomainCa, id: string, options: SvidOptions & {hint?: string} = {}): Promise<X509SvidSourceEntry> {
  const svid = await makeSvid(ca, id, options)
  return {spiffeId: SpiffeId.parse(id), chain: [new Uint8Array(svid.der)], privateKey: new Uint8Array(svid.keyDer), hint: options.hint ?? '', notAfter: svid.notAfter}
}

export function jwtSvidEntry(key: JwtKey, sub: string, aud: readonly string[], expSeconds: number, hint = ''): JwtSvidEntry {
  const token = signJwt(key.privateKey, {alg: 'ES256', kid: key.authority.kid, typ: 'JWT'},
    {sub, aud, exp: expSeconds, iat: Math.floor(Date.now() / 1000)})
  return {spiffeId: SpiffeId.parse(sub), token, hint}
}

export function bundleOf(ca: TrustDomainCa, jwt: readonly JwtKey[]): TrustDomainBundle {
  return {trustDomain: TrustDomain.parse(ca.trustDomain), x509Authorities: [new Uint8Array(ca.der)], jwtAuthorities: jwt.map((k) => k.authority)}
}

/**
 * A source with one identity, entitled by `entitled(caller)`. rotate() issues a new SVID (and, when
 * asked, a new CA) and notifies every listener, as tbot's source does on renewal or CA rotation.
 */
export class TestSource implements WorkloadIdentitySource {
  svid!: X509SvidSourceEntry
  trust!: TrustBundles
  ca!: TrustDomainCa
  readonly jwtKey = makeJwtKey('test-kid-1')
  readonly calls: WorkloadCaller[] = []
  private readonly listeners = new Set<() => void>()

  private constructor(readonly spiffeId: string, readonly entitled: (caller: WorkloadCaller) => boolean,
    private readonly svidOptions: SvidOptions & {hint?: string}) {}

  static async create(spiffeId: string, entitled: (caller: WorkloadCaller) => boolean = () => true,
    svidOptions: SvidOptions & {hint?: string} = {}): Promise<TestSource> {
    const source = new TestSource(spiffeId, entitled, svidOptions)
    source.ca = await makeTrustDomainCa(SpiffeId.parse(spiffeId).trustDomain.name)
    source.svid = await x509SvidEntry(source.ca, spiffeId, svidOptions)
    source.trust = {local: bundleOf(source.ca, [source.jwtKey]), federated: []}
    return source
  }

  async x509Svids(caller: WorkloadCaller): Promise<readonly X509SvidEntry[]> {
    this.calls.push(caller)
    return this.entitled(caller) ? [this.svid] : []
  }

  async jwtSvids(caller: WorkloadCaller, audiences: readonly string[]): Promise<readonly JwtSvidEntry[]> {
    this.calls.push(caller)
    if (!this.entitled(caller)) return []
    return [jwtSvidEntry(this.jwtKey, this.spiffeId, audiences, Math.floor(Date.now() / 1000) + 300, this.svidOptions.hint)]
  }

  bundles(): TrustBundles {
    return this.trust
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get listenerCount(): number {
    return this.listeners.size
  }

  /** New SVID; with newCa, a new CA too (so the bundles change). Then notifies. */
  async rotate(newCa = false): Promise<void> {
    if (newCa) {
      this.ca = await makeTrustDomainCa(this.ca.trustDomain)
      this.trust = {local: bundleOf(this.ca, [this.jwtKey]), federated: this.trust.federated}
    }
    this.svid = await x509SvidEntry(this.ca, this.spiffeId, this.svidOptions)
    for (const listener of this.listeners) listener()
  }
}
