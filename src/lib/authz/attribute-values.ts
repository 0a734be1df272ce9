/**
 * Reading values out of an Attributes object the way the proto getters would: an absent scalar is
 * its zero value, an absent sub-message is "unset". Join attributes arrive as decoded JSON, so
 * integers may come as numbers or (protojson int64) as decimal strings.
 */
import type {Attributes} from './attributes.js'
import type {FieldKind} from './attribute-schema.js'

export type ScalarValue = string | boolean | bigint

type Obj = Readonly<Record<string, unknown>>

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * The sub-message at `path` (e.g. ['workload', 'kubernetes']), or the dotted path of the first
 * ancestor that is unset (`workload.kubernetes`).
 */
export function resolveMessage(attrs: Attributes, path: readonly string[]): {message: Obj} | {unset: string} {
  let current: Obj = attrs as Obj
  for (let i = 0; i < path.length; i++) {
    const next = current[path[i] as string]
    if (!isObject(next)) return {unset: path.slice(0, i + 1).join('.')}
    current = next
  }
  return {message: current}
}

/** A scalar field of a (possibly absent) message, zero value when absent. */
export function readScalar(message: Obj | undefined, field: string, kind: FieldKind): ScalarValue {
  const raw = message?.[field]
  switch (kind) {
    case 'bool':
      return raw === true || raw === 'true'
    case 'int':
    case 'uint':
      return toBigInt(raw)
    default:
      return raw === undefined || raw === null ? '' : typeof raw === 'string' ? raw : String(raw)
  }
}

function toBigInt(raw: unknown): bigint {
  if (typeof raw === 'bigint') return raw
  if (typeof raw === 'number' && Number.isFinite(raw)) return BigInt(Math.trunc(raw))
  if (typeof raw === 'string' && /^-?[0-9]+$/.test(raw)) return BigInt(raw)
  return 0n
}

/** A string→string map field (labels), empty when absent. */
export function readMap(message: Obj | undefined, field: string): Readonly<Record<string, string>> {
  const raw = message?.[field]
  if (!isObject(raw)) return {}
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v
  return out
}

/** A repeated string field, empty when absent. */
export function readList(message: Obj | undefined, field: string): readonly string[] {
  const raw = message?.[field]
  return Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : []
}

/** The values of one user trait (`user.traits.<key>`), empty when absent. */
export function readTrait(attrs: Attributes, key: string): readonly string[] {
  const values = attrs.user?.traits[key]
  return values === undefined ? [] : values
}

/** Go `protoreflect.Value.String()` of a scalar: `true`, `1000`, or the string itself. */
export function scalarToString(value: ScalarValue): string {
  return typeof value === 'string' ? value : String(value)
}
