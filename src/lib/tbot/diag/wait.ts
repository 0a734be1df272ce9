/**
 * `tbot wait` (Teleport's tool/tbot/wait.go): poll a running bot's `/wait` (or `/wait/<service>`)
 * until it answers 200, backing off from 250 ms to 2 s, each request bounded to 5 s, the whole
 * bounded by `--timeout` when given. A host:port without a scheme is taken as http://.
 */
import {BadParameterError, ConnectionProblemError} from '../../errors.js'
import type {Logger} from '../../log.js'
import type {OverallStatus, ServiceStatus} from './readiness.js'

export interface WaitOptions {
  readonly diagAddr: string
  readonly service?: string
  /** 0 or absent: wait as long as it takes. */
  readonly timeoutMs?: number
  readonly log: Logger
}

const REQUEST_TIMEOUT_MS = 5000

export function waitEndpoint(diagAddr: string, service: string | undefined): URL {
  if (diagAddr === '') throw new BadParameterError('--diag-addr is required')
  let base: URL
  try {
    base = new URL(diagAddr.includes('://') ? diagAddr : `http://${diagAddr}`)
  } catch (err) {
    throw new BadParameterError(`parsing --diag-addr: ${(err as Error).message}`, {cause: err})
  }
  const path = base.pathname.replace(/\/+$/, '')
  return new URL(`${path}/wait${service ? `/${encodeURIComponent(service)}` : ''}`, base)
}

/** One attempt: resolves when ready, throws why not. */
async function fetchOnce(endpoint: URL, service: string | undefined, signal: AbortSignal): Promise<void> {
  let response: Response
  try {
    response = await fetch(endpoint, {signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)])})
  } catch (err) {
    throw new ConnectionProblemError(`making http request: ${(err as Error).message}`, {cause: err})
  }
  const text = await response.text()
  if (response.status === 200) return
  if (response.status === 404) throw new BadParameterError(`response from wait API: ${errorText(text)}`)
  const body = parseJson(text)
  if (service === undefined && body !== undefined && 'services' in body) {
    throw new ConnectionProblemError(`bot is not yet ready: ${(body as unknown as OverallStatus).status}`)
  }
  if (body !== undefined && 'status' in body) {
    throw new ConnectionProblemError(`service is not yet ready: ${(body as unknown as ServiceStatus).reason ?? ''}`)
  }
  throw new ConnectionProblemError(`unexpected response from server: ${text}`)
}

export async function waitForBot(o: WaitOptions): Promise<{readonly afterMs: number}> {
  const endpoint = waitEndpoint(o.diagAddr, o.service)
  const started = performance.now()
  const deadline = o.timeoutMs ? AbortSignal.timeout(o.timeoutMs) : new AbortController().signal
  o.log.info('waiting for bot to become available', {diag_addr: o.diagAddr, ...(o.service ? {service: o.service} : {})})
  let delay = 250
  for (let attempt = 1; ; attempt++) {
    let last: unknown
    try {
      await fetchOnce(endpoint, o.service, deadline)
      const afterMs = performance.now() - started
      o.log.info('bot reported healthy', {after: `${Math.round(afterMs)}ms`})
      return {afterMs}
    } catch (err) {
      if (err instanceof BadParameterError) throw err
      last = err
      o.log.debug('wait failed, retrying', {attempt, error: err})
    }
    if (!(await sleep(delay, deadline))) {
      throw new ConnectionProblemError(`bot did not become ready in time: ${(last as Error).message}`, {cause: last})
    }
    delay = Math.min(delay * 2, 2000)
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false)
    const timer = setTimeout(() => resolve(true), ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve(false)
    }, {once: true})
  })
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

function errorText(text: string): string {
  const body = parseJson(text)
  return typeof body?.error === 'string' ? body.error : text
}
