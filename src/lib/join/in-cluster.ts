/**
 * `kubernetes.type: in_cluster` (Teleport's lib/kubernetestoken TokenReviewValidator): the server
 * runs inside the Kubernetes cluster and asks its API server (TokenReview, authentication.k8s.io/v1)
 * whether the token is valid, with its own service account's credentials from the standard mount
 * (/var/run/secrets/kubernetes.io/serviceaccount) and KUBERNETES_SERVICE_HOST/PORT.
 *
 * Refusals as Teleport's: not authenticated, not a service account, not in the
 * `system:serviceaccounts` group, not bound to a pod (every supported Kubernetes version binds
 * projected tokens, so Teleport's ">= 1.22" version probe is not repeated here).
 */
import {promises as fs} from 'node:fs'
import {AccessDeniedError, BadParameterError} from '../errors.js'
import type {KubernetesIdentity} from './kubernetes.js'

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'
const SERVICE_ACCOUNT_GROUP = 'system:serviceaccounts'
const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name'

interface TokenReviewStatus {
  readonly authenticated?: boolean
  readonly error?: string
  readonly user?: {readonly username?: string; readonly groups?: readonly string[]; readonly extra?: Readonly<Record<string, readonly string[]>>}
}

async function inClusterConfig(): Promise<{url: string; bearer: string; ca: string}> {
  const host = process.env['KUBERNETES_SERVICE_HOST']
  const port = process.env['KUBERNETES_SERVICE_PORT']
  if (!host || !port) throw new BadParameterError('failed to initialize in-cluster Kubernetes config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined')
  try {
    const [bearer, ca] = await Promise.all([fs.readFile(`${SA_DIR}/token`, 'utf8'), fs.readFile(`${SA_DIR}/ca.crt`, 'utf8')])
    return {url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, bearer: bearer.trim(), ca}
  } catch (err) {
    throw new BadParameterError(`failed to initialize in-cluster Kubernetes config: ${(err as Error).message}`)
  }
}

async function tokenReview(token: string): Promise<TokenReviewStatus> {
  const {url, bearer, ca} = await inClusterConfig()
  const undici = await import('undici')
  const dispatcher = new undici.Agent({connect: {ca, timeout: 10_000}, headersTimeout: 10_000, bodyTimeout: 10_000})
  try {
    const res = await undici.request(`${url}/apis/authentication.k8s.io/v1/tokenreviews`, {
      method: 'POST', dispatcher,
      headers: {authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json'},
      body: JSON.stringify({apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {token}}),
    })
    const text = await res.body.text()
    if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`status ${res.statusCode}`)
    return (JSON.parse(text) as {status?: TokenReviewStatus}).status ?? {}
  } catch (err) {
    throw new AccessDeniedError(`error during the Kubernetes TokenReview: ${(err as Error).message}`)
  } finally {
    await dispatcher.close()
  }
}

export async function reviewInCluster(token: string): Promise<KubernetesIdentity> {
  const status = await tokenReview(token)
  if (status.authenticated !== true) throw new AccessDeniedError(`kubernetes failed to validate token: ${status.error ?? ''}`)
  const username = status.user?.username ?? ''
  if (!username.startsWith('system:serviceaccount')) throw new BadParameterError(`token user is not a service account: ${username}`)
  if (!(status.user?.groups ?? []).includes(SERVICE_ACCOUNT_GROUP)) {
    throw new BadParameterError(`token user '${username}' does not belong to the '${SERVICE_ACCOUNT_GROUP}' group`)
  }
  const podName = status.user?.extra?.[POD_NAME_EXTRA]?.[0]
  if (podName === undefined) throw new BadParameterError('legacy SA tokens are not accepted: the token is not bound to a pod')
  return {username, podName}
}
