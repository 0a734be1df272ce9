/**
 * Signing keys of remote OIDC issuers (GitHub, GitLab, a Kubernetes OIDC issuer): discovery
 * (OpenID Connect Discovery 1.0 §4, `<issuer>/.well-known/openid-configuration`, whose `issuer`
 * must equal the configured one, as go-oidc's NewProvider checks) and the JWKS at its `jwks_uri`.
 *
 * Fetched with undici: connect, header and body timeouts, no redirects, a cap on body size, HTTPS
 * only (unless a Kubernetes token allows an http issuer), trusting Node's default roots (which
 * include NODE_EXTRA_CA_CERTS) plus the system store where Node exposes it (tls.getCACertificates).
 * Each issuer's JWKS is cached for an hour and fetched again, at most every 10 s, when a token
 * names a `kid` it does not hold (key rotation at the issuer).
 */
import * as tls from 'node:tls'
import type {JSONWebKeySet, JWTVerifyGetKey} from 'jose'
import type {Agent} from 'undici'
import {AccessDeniedError} from '../errors.js'

export const FETCH_TIMEOUT_MS = 10_000
export const MAX_BODY_BYTES = 1024 * 1024
const JWKS_TTL_MS = 60 * 60_000
const UNKNOWN_KID_REFETCH_MS = 10_000

let agent: Agent | undefined
let extraCas: readonly string[] = []

/**
 * Trust these CAs as well, for a process that cannot set NODE_EXTRA_CA_CERTS before it starts
 * (an in-process test); everything else uses NODE_EXTRA_CA_CERTS.
 */
export function trustAlso(pems: readonly string[]): void {
  extraCas = [...extraCas, ...pems]
  void agent?.close()
  agent = undefined
}

function trustedCas(): string[] | undefined {
  const get = (tls as {getCACertificates?: (which: string) => string[]}).getCACertificates
  let base: string[] | undefined
  try {
    base = get === undefined ? undefined : [...new Set([...get('default'), ...get('system')])]
  } catch {
    base = undefined
  }
  if (extraCas.length === 0) return base
  return [...(base ?? tls.rootCertificates), ...extraCas]
}

async function dispatcher(): Promise<Agent> {
  if (agent !== undefined) return agent
  const undici = await import('undici')
  const ca = trustedCas()
  agent = new undici.Agent({
    connect: {timeout: FETCH_TIMEOUT_MS, ...(ca !== undefined ? {ca} : {})},
    headersTimeout: FETCH_TIMEOUT_MS, bodyTimeout: FETCH_TIMEOUT_MS,
  })
  return agent
}

/** GET a JSON document, bounded in time and size. Errors name the URL, never a credential. */
export async function fetchJson(url: string, allowHttp = false, headers: Readonly<Record<string, string>> = {}): Promise<unknown> {
  const parsed = new URL(url)
  if (parsed.protocol !== 'https:' && !(allowHttp && parsed.protocol === 'http:')) {
    throw new AccessDeniedError(`${url}: only https URLs are fetched`)
  }
  const {request} = await import('undici')
  const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS)
  let res
  try {
    res = await request(url, {method: 'GET', dispatcher: await dispatcher(), signal, headers: {accept: 'application/json', ...headers}})
  } catch (err) {
    throw new AccessDeniedError(`fetching ${url}: ${(err as Error).message}`, {cause: err})
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) {
      res.body.destroy()
      throw new AccessDeniedError(`fetching ${url}: response larger than ${MAX_BODY_BYTES} bytes`)
    }
    chunks.push(chunk as Buffer)
  }
  if (res.statusCode !== 200) throw new AccessDeniedError(`fetching ${url}: ${res.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`)
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    throw new AccessDeniedError(`fetching ${url}: the response is not JSON`)
  }
}

interface CachedKeys {
  readonly getKey: JWTVerifyGetKey
  readonly fetchedAt: number
}

/** One issuer's keys. */
class IssuerKeys {
  private cached?: Promise<CachedKeys>

  constructor(private readonly issuer: string, private readonly allowHttp: boolean) {}

  private async load(): Promise<CachedKeys> {
    const discoveryUrl = `${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
    const doc = await fetchJson(discoveryUrl, this.allowHttp) as {issuer?: unknown; jwks_uri?: unknown}
    if (doc.issuer !== this.issuer) {
      throw new AccessDeniedError(`oidc: issuer did not match the issuer returned by provider, expected ${JSON.stringify(this.issuer)} got ${JSON.stringify(doc.issuer ?? '')}`)
    }
    if (typeof doc.jwks_uri !== 'string') throw new AccessDeniedError(`${discoveryUrl}: jwks_uri is missing`)
    const jwks = await fetchJson(doc.jwks_uri, this.allowHttp)
    const {createLocalJWKSet} = await import('jose')
    let getKey: JWTVerifyGetKey
    try {
      getKey = createLocalJWKSet(jwks as JSONWebKeySet)
    } catch (err) {
      throw new AccessDeniedError(`${doc.jwks_uri}: not a JSON Web Key Set: ${(err as Error).message}`)
    }
    return {getKey, fetchedAt: Date.now()}
  }

  private keys(refresh: boolean): Promise<CachedKeys> {
    const stale = async (c: Promise<CachedKeys>) => Date.now() - (await c).fetchedAt > JWKS_TTL_MS
    if (this.cached === undefined || refresh) {
      const loading = this.load()
      // A failed fetch is not cached: the next join tries again.
      loading.catch(() => {
        if (this.cached === loading) this.cached = undefined
      })
      this.cached = loading
      return loading
    }
    const current = this.cached
    return stale(current).then((isStale) => (isStale ? this.keys(true) : current), () => this.keys(true))
  }

  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const current = await this.keys(false)
    try {
      return await current.getKey(header, token)
    } catch (err) {
      const unknownKid = err instanceof (await import('jose')).errors.JWKSNoMatchingKey
      if (!unknownKid || Date.now() - current.fetchedAt < UNKNOWN_KID_REFETCH_MS) throw err
      return (await this.keys(true)).getKey(header, token)
    }
  }
}

const issuers = new Map<string, IssuerKeys>()

/** The key source for `issuer` (cached process-wide). */
export function issuerKeys(issuer: string, allowHttp = false): JWTVerifyGetKey {
  const key = `${allowHttp ? 'http-ok' : 'https'} ${issuer}`
  let keys = issuers.get(key)
  if (keys === undefined) {
    if (issuers.size >= 256) issuers.clear()
    keys = new IssuerKeys(issuer, allowHttp)
    issuers.set(key, keys)
  }
  return keys.getKey
}

/** Forget every cached issuer (tests; an operator's reload). */
export function invalidate(): void {
  issuers.clear()
}
