/**
 * The cluster's CA state as ONE versioned document: every certificate authority (the SPIFFE CA with
 * its X.509 and JWT keys, the bot/TLS CA) as lists of key pairs, active and additionally trusted,
 * with its rotation status, as Teleport's `cert_authority` resource holds them
 * (api/types/authority.go: ActiveKeys, AdditionalTrustedKeys, Rotation). It is stored whole behind a
 * CaStateStore (storage/ca-state-store.ts) so a rotation changes it in one compare-and-swap.
 */
import {createPrivateKey, type KeyObject} from 'node:crypto'
import {CorruptStateError} from '../errors.js'
import type {TrustDomain} from '../spiffe/id.js'
import {caKeyPair, type CaKeyPair} from './ca-keypair.js'
import {clusterTrustDomain, jwtSigningKey, type CaMaterial, type JwtSigningKey} from './ca-material.js'
import {decodePemBlocks} from './pem.js'

export const CA_STATE_VERSION = 1

/** Teleport's CA type names: `spiffe` (X.509-SVIDs and JWT-SVIDs); `bot` signs bot, admin and server TLS certificates. */
export const CA_TYPES = ['spiffe', 'bot'] as const
export type CaType = (typeof CA_TYPES)[number]

/** Teleport's rotation phases and states (api/types/authority.go: RotationPhase*, RotationState*). */
export const ROTATION_PHASES = ['init', 'update_clients', 'update_servers', 'rollback', 'standby'] as const
export type RotationPhase = (typeof ROTATION_PHASES)[number]
export type RotationState = 'standby' | 'in_progress'
export type RotationMode = '' | 'manual' | 'auto'

export interface RotationSchedule {
  readonly updateClients: Date
  readonly updateServers: Date
  readonly standby: Date
}

export interface RotationStatus {
  readonly state: RotationState
  readonly phase: RotationPhase
  readonly mode: RotationMode
  /** A fresh id per rotation (Teleport's CurrentID). */
  readonly currentId: string
  readonly started?: Date
  readonly gracePeriodMs: number
  readonly lastRotated?: Date
  /** Set in the semi-automatic mode: when each next phase is due. */
  readonly schedule?: RotationSchedule
}

export interface CaKeySet {
  readonly tls: readonly CaKeyPair[]
  readonly jwt: readonly JwtSigningKey[]
}

export interface CertAuthorityState {
  /** Signs: the first TLS pair and the first JWT key. */
  readonly active: CaKeySet
  /** Trusted but not signing: new keys in `init`, old keys from `update_clients` on, new keys again in `rollback`. */
  readonly additionalTrusted: CaKeySet
  readonly rotation: RotationStatus
}

export interface CaState {
  readonly clusterName: string
  readonly trustDomain: TrustDomain
  readonly authorities: Readonly<Record<CaType, CertAuthorityState>>
}

export const STANDBY: RotationStatus = {state: 'standby', phase: 'standby', mode: '', currentId: '', gracePeriodMs: 0}

export const EMPTY_KEY_SET: CaKeySet = {tls: [], jwt: []}

/** The first state of a new cluster, from freshly created material. */
export function caStateFromMaterial(m: CaMaterial): CaState {
  return {
    clusterName: m.clusterName,
    trustDomain: m.trustDomain,
    authorities: {
      spiffe: {active: {tls: [m.spiffeCa], jwt: [m.jwtKey]}, additionalTrusted: EMPTY_KEY_SET, rotation: STANDBY},
      bot: {active: {tls: [m.botCa], jwt: []}, additionalTrusted: EMPTY_KEY_SET, rotation: STANDBY},
    },
  }
}

/** What issuance and the trust publishers need: the signing keys, and every trusted key. */
export function caMaterialOf(state: CaState): CaMaterial {
  const {spiffe, bot} = state.authorities
  return {
    clusterName: state.clusterName,
    trustDomain: state.trustDomain,
    spiffeCa: spiffe.active.tls[0]!,
    jwtKey: spiffe.active.jwt[0]!,
    botCa: bot.active.tls[0]!,
    spiffeTrusted: [...spiffe.active.tls, ...spiffe.additionalTrusted.tls],
    jwtTrusted: [...spiffe.active.jwt, ...spiffe.additionalTrusted.jwt],
    botTrusted: [...bot.active.tls, ...bot.additionalTrusted.tls],
  }
}

// ---- encoding -------------------------------------------------------------------------------

export interface KeySetJson {
  tls: {cert: string; key: string}[]
  jwt: {private_key: string}[]
}

export interface RotationJson {
  state: RotationState
  phase: RotationPhase
  mode: RotationMode
  current_id: string
  started?: string
  grace_period_ms: number
  last_rotated?: string
  schedule?: {update_clients: string; update_servers: string; standby: string}
}

const pkcs8Pem = (key: KeyObject) => key.export({type: 'pkcs8', format: 'pem'}).toString()

function keySetJson(set: CaKeySet): KeySetJson {
  return {
    tls: set.tls.map((p) => ({cert: p.certPem, key: pkcs8Pem(p.privateKey)})),
    jwt: set.jwt.map((k) => ({private_key: pkcs8Pem(k.privateKey)})),
  }
}

function rotationJson(r: RotationStatus): RotationJson {
  return {
    state: r.state, phase: r.phase, mode: r.mode, current_id: r.currentId,
    ...(r.started ? {started: r.started.toISOString()} : {}),
    grace_period_ms: r.gracePeriodMs,
    ...(r.lastRotated ? {last_rotated: r.lastRotated.toISOString()} : {}),
    ...(r.schedule ? {schedule: {
      update_clients: r.schedule.updateClients.toISOString(), update_servers: r.schedule.updateServers.toISOString(), standby: r.schedule.standby.toISOString(),
    }} : {}),
  }
}

/** The document's text (JSON). It holds private keys: stores keep it private. */
export function encodeCaState(state: CaState): string {
  const authorities = Object.fromEntries(CA_TYPES.map((t) => {
    const a = state.authorities[t]
    return [t, {active_keys: keySetJson(a.active), additional_trusted_keys: keySetJson(a.additionalTrusted), rotation: rotationJson(a.rotation)}]
  }))
  return JSON.stringify({version: CA_STATE_VERSION, cluster_name: state.clusterName, authorities}, null, 2) + '\n'
}

export {decodeCaState} from './ca-state-decode.js'

/** Helpers shared with the decoder. */
export function parsePrivateKeyPem(pem: string): KeyObject {
  const blocks = decodePemBlocks(pem).filter((b) => b.type === 'PRIVATE KEY')
  if (blocks.length !== 1) throw new Error(`expected one PEM PRIVATE KEY block, found ${blocks.length}`)
  return createPrivateKey({key: blocks[0]!.der, format: 'der', type: 'pkcs8'})
}

export function parseCaPair(certPem: string, keyPem: string): CaKeyPair {
  const blocks = decodePemBlocks(certPem).filter((b) => b.type === 'CERTIFICATE')
  if (blocks.length !== 1) throw new Error(`expected one PEM CERTIFICATE block, found ${blocks.length}`)
  return caKeyPair(blocks[0]!.der, parsePrivateKeyPem(keyPem))
}

export function parseJwtKey(pem: string): JwtSigningKey {
  return jwtSigningKey(parsePrivateKeyPem(pem))
}

export function corruptCaState(store: string, detail: string, cause?: unknown): CorruptStateError {
  return new CorruptStateError(`${store}: invalid CA state: ${detail}`, {cause})
}

export {clusterTrustDomain}
