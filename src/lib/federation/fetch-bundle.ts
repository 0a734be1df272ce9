/**
 * Fetching a foreign trust domain's bundle over the https_web profile (SPIFFE_Federation.md §5.2.1;
 * go-spiffe v2 federation/fetch.go FetchBundle, which Teleport's
 * lib/auth/machineid/machineidv1/spiffe_federation_syncer.go calls): an HTTPS GET verified with Web
 * PKI, whose body must be a SPIFFE bundle for that trust domain.
 *
 * Web PKI here is Node's bundled roots plus NODE_EXTRA_CA_CERTS (Node adds those to the default CA
 * list when no `ca` is given to tls.connect). Bounded: a connect timeout, a timeout for the headers
 * and between body chunks, an overall deadline, a body size cap; no redirects (undici's default),
 * https only. One check beyond go-spiffe: a CA certificate that names another trust domain in its
 * SPIFFE ID URI SAN (X509-SVID.md §2: a signing certificate MAY carry its trust domain's ID) is
 * refused, so an endpoint serving another domain's bundle does not pass.
 */
import {X509Certificate} from 'node:crypto'
import type {Dispatcher} from 'undici'
import {BadParameterError, ConnectionProblemError} from '../errors.js'
import {bundleEndpointUrlProblem} from '../resources/spiffe-federation.js'
import {SpiffeBundle} from '../spiffe/spiffe-bundle.js'
import {SpiffeId, type TrustDomain} from '../spiffe/id.js'

export interface BundleFetchLimits {
  readonly connectTimeoutMs: number
  /** For the response headers, and between body chunks. */
  readonly ioTimeoutMs: number
  /** The whole request, connect to last byte. */
  readonly totalTimeoutMs: number
  readonly maxBodyBytes: number
}

export const DEFAULT_BUNDLE_FETCH_LIMITS: BundleFetchLimits = {
  connectTimeoutMs: 10_000, ioTimeoutMs: 10_000, totalTimeoutMs: 30_000, maxBodyBytes: 1024 * 1024,
}

export interface FetchedBundle {
  readonly bundle: SpiffeBundle
  /** The body as received (kept as the status' current_bundle after re-marshalling). */
  readonly json: string
}

/** One HTTP agent for all fetches of a syncer; `close()` it when done. */
export interface BundleFetcher {
  fetch(trustDomain: TrustDomain, url: string, signal?: AbortSignal): Promise<FetchedBundle>
  close(): Promise<void>
}

export interface BundleFetcherOptions {
  readonly limits?: Partial<BundleFetchLimits>
  /** Extra trusted roots (PEM) instead of the default list: tests only. */
  readonly ca?: string
}

export async function createBundleFetcher(options: BundleFetcherOptions = {}): Promise<BundleFetcher> {
  const limits = {...DEFAULT_BUNDLE_FETCH_LIMITS, ...options.limits}
  const undici = await import('undici')
  const agent = new undici.Agent({
    connect: {timeout: limits.connectTimeoutMs, rejectUnauthorized: true, ...(options.ca === undefined ? {} : {ca: options.ca})},
    headersTimeout: limits.ioTimeoutMs,
    bodyTimeout: limits.ioTimeoutMs,
    maxResponseSize: limits.maxBodyBytes,
  })
  return {
    fetch: (trustDomain, url, signal) => fetchBundle(agent, limits, trustDomain, url, signal),
    close: () => agent.close(),
  }
}

async function fetchBundle(
  agent: Dispatcher, limits: BundleFetchLimits, trustDomain: TrustDomain, url: string, signal?: AbortSignal,
): Promise<FetchedBundle> {
  const problem = bundleEndpointUrlProblem(url)
  if (problem !== undefined) throw new BadParameterError(`bundle endpoint URL ${problem}`)
  const deadline = AbortSignal.timeout(limits.totalTimeoutMs)
  const body = await getBody(agent, limits, url, signal === undefined ? deadline : AbortSignal.any([signal, deadline]))
  const bundle = parseBundle(trustDomain, body)
  return {bundle, json: body}
}

async function getBody(agent: Dispatcher, limits: BundleFetchLimits, url: string, signal: AbortSignal): Promise<string> {
  let response: Dispatcher.ResponseData
  try {
    response = await agent.request({
      origin: new URL(url).origin, path: pathOf(url), method: 'GET', headers: {accept: 'application/json'}, signal,
    })
  } catch (err) {
    throw fetchFailed(url, err)
  }
  if (response.statusCode !== 200) {
    await response.body.dump().catch(() => undefined)
    throw new ConnectionProblemError(`failed to fetch bundle: unexpected status ${response.statusCode} from ${url}`)
  }
  const declared = Number(response.headers['content-length'] ?? NaN)
  if (declared > limits.maxBodyBytes) {
    response.body.destroy()
    throw tooLarge(url, limits)
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > limits.maxBodyBytes) {
        response.body.destroy()
        throw tooLarge(url, limits)
      }
      chunks.push(chunk)
    }
  } catch (err) {
    if (err instanceof ConnectionProblemError) throw err
    if ((err as Error).name === 'ResponseExceededMaxSizeError') throw tooLarge(url, limits)
    throw fetchFailed(url, err)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function pathOf(url: string): string {
  const parsed = new URL(url)
  return parsed.pathname + parsed.search
}

function tooLarge(url: string, limits: BundleFetchLimits): ConnectionProblemError {
  return new ConnectionProblemError(`failed to fetch bundle: the response from ${url} is larger than ${limits.maxBodyBytes} bytes`)
}

/** go-spiffe's "failed to fetch bundle: <cause>", the cause in undici's and Node's words (TLS errors included). */
function fetchFailed(url: string, err: unknown): ConnectionProblemError {
  const cause = err as {message?: string; code?: string; cause?: {message?: string; code?: string}}
  const inner = cause.cause?.message ?? cause.message ?? String(err)
  const code = cause.cause?.code ?? cause.code
  const detail = code !== undefined && !inner.includes(code) ? `${inner} (${code})` : inner
  return new ConnectionProblemError(`failed to fetch bundle from ${url}: ${detail}`, {cause: err})
}

/** The body as a SPIFFE bundle of `trustDomain`, with at least one authority. */
export function parseBundle(trustDomain: TrustDomain, body: string): SpiffeBundle {
  let bundle: SpiffeBundle
  try {
    bundle = SpiffeBundle.parse(trustDomain, body)
  } catch (err) {
    throw new BadParameterError(`failed to decode bundle: ${(err as Error).message}`, {cause: err})
  }
  if (bundle.isEmpty()) throw new BadParameterError('failed to decode bundle: spiffebundle: no authorities found')
  for (const cert of bundle.x509Authorities()) {
    const named = certificateTrustDomain(cert)
    if (named !== undefined && named !== trustDomain.name) {
      throw new BadParameterError(`bundle is for trust domain ${JSON.stringify(named)}, not ${JSON.stringify(trustDomain.name)}`)
    }
  }
  return bundle
}

/** The trust domain in a CA certificate's SPIFFE ID URI SAN, if it has one. */
function certificateTrustDomain(cert: X509Certificate): string | undefined {
  const uri = (cert.subjectAltName ?? '').split(', ').find((san) => san.startsWith('URI:spiffe://'))
  if (uri === undefined) return undefined
  try {
    return SpiffeId.parse(uri.slice(4)).trustDomain.name
  } catch {
    return undefined
  }
}
