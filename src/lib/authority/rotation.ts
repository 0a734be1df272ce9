/**
 * Rotating a CA in the stored CA state (one document, compare-and-swap: storage/ca-state-store.ts):
 * read it fresh, apply the phase change (rotation-phases.ts), write it back only if nobody else
 * wrote meanwhile, and invalidate this process's cache so the next issuance signs with the new
 * keys. Other processes and replicas see the change within their CaCache's max age.
 */
import {createSelfSignedCa, jwtSigningKey} from '../ca/ca-material.js'
import type {CaCache} from '../ca/ca-cache.js'
import {CA_TYPES, decodeCaState, encodeCaState, type CaKeySet, type CaState, type CaType, type RotationStatus} from '../ca/ca-state.js'
import {generatePrivateKey} from '../ca/keys.js'
import {CompareFailedError, NotFoundError} from '../errors.js'
import {checkRotateRequest, duePhase, nextRotationState, type CheckedRotateRequest, type RotateRequest} from './rotation-phases.js'

export interface CaRotationStatus {
  readonly type: CaType
  readonly rotation: RotationStatus
}

async function readFresh(cache: CaCache): Promise<{state: CaState; revision: string}> {
  const record = await cache.store.read()
  if (record === undefined) throw new NotFoundError(`no CA state in ${cache.storeName}`)
  return {state: decodeCaState(record.data, cache.storeName), revision: record.revision}
}

/** New keys of the same kinds as the CA's active ones (Teleport's newKeySet). */
async function newKeySet(state: CaState, type: CaType, now: Date): Promise<CaKeySet> {
  const active = state.authorities[type].active
  const tls = await Promise.all(active.tls.slice(0, 1).map((p) => createSelfSignedCa({
    name: state.clusterName, keyType: p.keyType, ...(type === 'spiffe' ? {trustDomain: state.trustDomain} : {}), now: () => now,
  })))
  const jwt = active.jwt.slice(0, 1).map((k) => jwtSigningKey(generatePrivateKey(k.keyType)))
  return {tls, jwt}
}

async function apply(cache: CaCache, req: CheckedRotateRequest, now: Date): Promise<CaRotationStatus> {
  const {state, revision} = await readFresh(cache)
  const next = await nextRotationState(state.authorities[req.type], req, {now, newKeys: () => newKeySet(state, req.type, now)})
  const written = await cache.store.write(encodeCaState({...state, authorities: {...state.authorities, [req.type]: next}}), revision)
  if (written === undefined) throw new CompareFailedError('the certificate authority was updated concurrently, try again')
  cache.invalidate()
  return {type: req.type, rotation: next.rotation}
}

/** `tctl auth rotate`: Teleport's RotateCertAuthority for one CA type. */
export function rotateCertAuthority(cache: CaCache, req: RotateRequest, now: Date): Promise<CaRotationStatus> {
  return apply(cache, checkRotateRequest(req, now), now)
}

/**
 * Moves every automatic rotation whose next phase is due (Teleport's autoRotateCertAuthorities).
 * A failed step leaves the rotation where it is; the next call tries again. Returns what moved.
 */
export async function advanceAutoRotations(cache: CaCache, now: Date): Promise<CaRotationStatus[]> {
  const {state} = await readFresh(cache)
  const moved: CaRotationStatus[] = []
  for (const type of CA_TYPES) {
    const ca = state.authorities[type]
    const phase = duePhase(ca, now)
    if (phase === undefined || ca.rotation.schedule === undefined) continue
    const req = {type, targetPhase: phase, mode: 'auto' as const, gracePeriodMs: ca.rotation.gracePeriodMs, schedule: ca.rotation.schedule}
    try {
      moved.push(await apply(cache, req, now))
    } catch (err) {
      if (!(err instanceof CompareFailedError)) throw err
    }
  }
  return moved
}

/** Each CA's rotation status, for `tctl status`. */
export async function caRotationStatus(cache: CaCache): Promise<CaRotationStatus[]> {
  const {state} = await cache.state()
  return CA_TYPES.map((type) => ({type, rotation: state.authorities[type].rotation}))
}
