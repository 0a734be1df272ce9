/**
 * Reading the CA state document back (ca-state.ts). Every problem is a CorruptStateError naming the
 * store and the field, so an operator knows which document to restore.
 */
import {
  CA_STATE_VERSION, CA_TYPES, ROTATION_PHASES, clusterTrustDomain, corruptCaState, parseCaPair, parseJwtKey,
  type CaKeySet, type CaState, type CaType, type CertAuthorityState, type RotationMode, type RotationStatus,
} from './ca-state.js'

type Json = Record<string, unknown>

class Fields {
  constructor(readonly store: string) {}

  fail(field: string, detail: string, cause?: unknown): never {
    throw corruptCaState(this.store, `${field}: ${detail}`, cause)
  }

  object(value: unknown, field: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, 'must be an object')
    return value as Json
  }

  list(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(field, 'must be a list')
    return value
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string') this.fail(field, 'must be a string')
    return value
  }

  date(value: unknown, field: string): Date | undefined {
    if (value === undefined || value === '') return undefined
    const d = new Date(this.string(value, field))
    if (Number.isNaN(d.getTime())) this.fail(field, 'is not an RFC 3339 time')
    return d
  }

  /** Runs `parse`, turning a library's error into one naming the field. */
  parsed<T>(field: string, parse: () => T): T {
    try {
      return parse()
    } catch (err) {
      return this.fail(field, (err as Error).message, err)
    }
  }
}

function keySet(f: Fields, value: unknown, field: string): CaKeySet {
  const o = f.object(value, field)
  const tls = f.list(o.tls ?? [], `${field}.tls`).map((v, i) => {
    const p = f.object(v, `${field}.tls[${i}]`)
    return f.parsed(`${field}.tls[${i}]`, () => parseCaPair(f.string(p.cert, `${field}.tls[${i}].cert`), f.string(p.key, `${field}.tls[${i}].key`)))
  })
  const jwt = f.list(o.jwt ?? [], `${field}.jwt`).map((v, i) => {
    const k = f.object(v, `${field}.jwt[${i}]`)
    return f.parsed(`${field}.jwt[${i}]`, () => parseJwtKey(f.string(k.private_key, `${field}.jwt[${i}].private_key`)))
  })
  return {tls, jwt}
}

function rotation(f: Fields, value: unknown, field: string): RotationStatus {
  const o = f.object(value ?? {}, field)
  const state = o.state ?? 'standby'
  if (state !== 'standby' && state !== 'in_progress') f.fail(`${field}.state`, `unknown state ${JSON.stringify(state)}`)
  const phase = o.phase ?? 'standby'
  if (!(ROTATION_PHASES as readonly unknown[]).includes(phase)) f.fail(`${field}.phase`, `unknown phase ${JSON.stringify(phase)}`)
  const mode = o.mode ?? ''
  if (mode !== '' && mode !== 'manual' && mode !== 'auto') f.fail(`${field}.mode`, `unknown mode ${JSON.stringify(mode)}`)
  const grace = o.grace_period_ms ?? 0
  if (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0) f.fail(`${field}.grace_period_ms`, 'must be a non-negative number')
  const started = f.date(o.started, `${field}.started`)
  const lastRotated = f.date(o.last_rotated, `${field}.last_rotated`)
  const s = o.schedule === undefined ? undefined : f.object(o.schedule, `${field}.schedule`)
  const at = (key: string) => f.date(s?.[key], `${field}.schedule.${key}`) ?? f.fail(`${field}.schedule.${key}`, 'is missing')
  const schedule = s === undefined ? undefined : {updateClients: at('update_clients'), updateServers: at('update_servers'), standby: at('standby')}
  return {
    state, phase: phase as RotationStatus['phase'], mode: mode as RotationMode, currentId: typeof o.current_id === 'string' ? o.current_id : '',
    gracePeriodMs: grace, ...(started ? {started} : {}), ...(lastRotated ? {lastRotated} : {}), ...(schedule ? {schedule} : {}),
  }
}

function authority(f: Fields, value: unknown, type: CaType): CertAuthorityState {
  const field = `authorities.${type}`
  const o = f.object(value, field)
  const active = keySet(f, o.active_keys, `${field}.active_keys`)
  if (active.tls.length === 0) f.fail(`${field}.active_keys.tls`, 'no active key pair')
  if (type === 'spiffe' && active.jwt.length === 0) f.fail(`${field}.active_keys.jwt`, 'no active JWT key')
  return {active, additionalTrusted: keySet(f, o.additional_trusted_keys ?? {}, `${field}.additional_trusted_keys`), rotation: rotation(f, o.rotation, `${field}.rotation`)}
}

/** The document in `text`, read from `store` (a path or a database row, named in errors). */
export function decodeCaState(text: string, store: string): CaState {
  const f = new Fields(store)
  let doc: Json
  try {
    doc = f.object(JSON.parse(text), 'document')
  } catch (err) {
    if (err instanceof SyntaxError) return f.fail('document', 'not valid JSON')
    throw err
  }
  if (doc.version !== CA_STATE_VERSION) f.fail('version', `unsupported version ${JSON.stringify(doc.version)} (this version reads ${CA_STATE_VERSION})`)
  const clusterName = f.string(doc.cluster_name, 'cluster_name')
  const trustDomain = f.parsed('cluster_name', () => clusterTrustDomain(clusterName))
  const all = f.object(doc.authorities, 'authorities')
  const authorities = Object.fromEntries(CA_TYPES.map((t) => [t, authority(f, all[t], t)])) as Record<CaType, CertAuthorityState>
  for (const [i, pair] of authorities.spiffe.active.tls.entries()) {
    if (!pair.info.uris.includes(trustDomain.idString())) f.fail(`authorities.spiffe.active_keys.tls[${i}]`, `the SPIFFE CA certificate has no URI SAN ${trustDomain.idString()}`)
  }
  return {clusterName, trustDomain, authorities}
}
