/**
 * The `kubernetes` join method (Teleport's lib/kubernetestoken token_validator.go and
 * lib/join/kubernetestoken CheckIDToken): a Kubernetes service-account JWT, verified per the
 * token's `kubernetes.type`, then matched against `allow[].service_account` ("namespace:name"
 * against the JWT's `system:serviceaccount:<namespace>:<name>` subject).
 *
 * - `static_jwks`: signature by the token's JWKS, audience = cluster name, 10 s leeway, a
 *   pod-bound token (`kubernetes.io.pod.name`), `exp` and `iat` present, TTL at most 30 minutes.
 * - `oidc`: the cluster's service-account issuer, discovered over HTTPS, audience = cluster name;
 *   the same pod binding is required.
 * - `in_cluster`: the Kubernetes TokenReview API (in-cluster.ts).
 */
import type {JWTPayload} from 'jose'
import type {JoinAttrs} from '../authz/attributes.js'
import {AccessDeniedError, BadParameterError, SvidkitError} from '../errors.js'
import type {KubernetesTokenSpec} from '../resources/token-methods.js'
import {reviewInCluster} from './in-cluster.js'
import {verifyJwt} from './jwt.js'
import {issuerKeys} from './remote-keys.js'
import {staticKeys} from './static-keys.js'
import type {JoinCheckContext} from './types.js'

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount'
const MAX_TTL_S = 30 * 60

interface KubernetesClaims {
  readonly namespace?: string
  readonly serviceaccount?: {readonly name?: string}
  readonly pod?: {readonly name?: string}
}

/** A verified identity: the subject (user name) and what the JWT says about the pod. */
export interface KubernetesIdentity {
  readonly username: string
  readonly namespace?: string
  readonly serviceAccount?: string
  readonly podName?: string
}

function kubeClaims(payload: JWTPayload): KubernetesClaims | undefined {
  const k = payload['kubernetes.io']
  return typeof k === 'object' && k !== null ? (k as KubernetesClaims) : undefined
}

function checkBoundToken(payload: JWTPayload, what: string): void {
  const pod = kubeClaims(payload)?.pod
  if (typeof pod?.name !== 'string' || pod.name === '') {
    throw new BadParameterError(`${what} joining requires the use of projected pod bound service account token`)
  }
}

function checkLifetime(payload: JWTPayload): void {
  if (typeof payload.exp !== 'number') throw new BadParameterError('static_jwks joining requires the use of a service account token with `exp`')
  if (typeof payload.iat !== 'number') throw new BadParameterError('static_jwks joining requires the use of a service account token with `iat`')
  if (payload.exp - payload.iat > MAX_TTL_S) {
    throw new BadParameterError('static_jwks joining requires the use of a service account token with a TTL of less than 30m0s')
  }
}

function identityOf(payload: JWTPayload): KubernetesIdentity {
  const k = kubeClaims(payload)
  return {
    username: payload.sub ?? '',
    ...(k?.namespace !== undefined ? {namespace: k.namespace} : {}),
    ...(k?.serviceaccount?.name !== undefined ? {serviceAccount: k.serviceaccount.name} : {}),
    ...(k?.pod?.name !== undefined ? {podName: k.pod.name} : {}),
  }
}

function prefixed(prefix: string, err: unknown): unknown {
  return err instanceof SvidkitError ? new SvidkitError(err.code, `${prefix}: ${err.message}`, {cause: err}) : err
}

async function review(spec: KubernetesTokenSpec, idToken: string, ctx: JoinCheckContext): Promise<KubernetesIdentity> {
  if (spec.type === 'static_jwks') {
    const payload = await verifyJwt(idToken, await staticKeys(spec.static_jwks?.jwks ?? ''), {audience: ctx.clusterName, now: ctx.now, style: 'static'})
    checkBoundToken(payload, 'static_jwks')
    checkLifetime(payload)
    return identityOf(payload)
  }
  if (spec.type === 'oidc') {
    const issuer = spec.oidc?.issuer ?? ''
    const keys = issuerKeys(issuer, spec.oidc?.insecure_allow_http_issuer === true)
    const payload = await verifyJwt(idToken, keys, {audience: ctx.clusterName, issuer, now: ctx.now, style: 'oidc'})
    checkBoundToken(payload, 'oidc')
    return identityOf(payload)
  }
  return reviewInCluster(idToken)
}

export async function checkKubernetesJoin(spec: KubernetesTokenSpec, idToken: string, ctx: JoinCheckContext): Promise<JoinAttrs> {
  let identity: KubernetesIdentity
  try {
    identity = await review(spec, idToken, ctx)
  } catch (err) {
    throw prefixed(`reviewing kubernetes token with ${spec.type}`, err)
  }
  const allowed = spec.allow.some((rule) => `${SERVICE_ACCOUNT_PREFIX}:${rule.service_account}` === identity.username)
  const attrs = kubernetesAttrs(identity)
  if (!allowed) throw Object.assign(new AccessDeniedError('kubernetes token did not match any allow rules'), {joinAttrs: attrs})
  return attrs
}

/** join.kubernetes.* (Teleport's join_attrs.proto JoinAttrsKubernetes). */
function kubernetesAttrs(id: KubernetesIdentity): JoinAttrs {
  const [, , namespace = id.namespace ?? '', name = id.serviceAccount ?? ''] = id.username.split(':')
  return {
    kubernetes: {
      subject: id.username,
      service_account: {namespace, name},
      pod: {name: id.podName ?? ''},
    },
  }
}
