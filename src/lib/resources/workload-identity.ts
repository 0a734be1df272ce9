/**
 * `workload_identity` v1 (Teleport's api/proto/teleport/workloadidentity/v1/resource.proto): decoded
 * once here, with Teleport's validation messages (lib/services/workload_identity.go) and its check
 * order. Unknown fields are errors, as protojson reports them. Templates and condition attribute
 * paths are not checked at create time, as in Teleport; rule expressions are, by a validator the
 * caller passes in (the authz expression module).
 */
import {formatGoDuration, formatProtoDuration} from '../duration.js'
import type {
  JsonObject, RuleCondition, SubjectTemplate, WorkloadIdentity, WorkloadIdentityRule, WorkloadIdentitySpec,
} from './types.js'
import {fail, fieldPlace, rootPlace, scalarText, type Place} from '../document/place.js'
import {FieldReader} from '../document/fields.js'
import {defined, nonEmpty, toJsonValue} from './values.js'
import {parseMetadata} from './metadata.js'
import type {InputLocation} from '../errors.js'

export interface WorkloadIdentityParseOptions {
  /**
   * Checks a rule expression's syntax; throws (any error) when it is invalid. Without one, any
   * non-empty expression is accepted here and fails later, at evaluation.
   */
  readonly validateExpression?: (expression: string) => void
}

export const RULES_DOCS_URL =
  'https://goteleport.com/docs/reference/machine-workload-identity/workload-identity/workload-identity-resource/#rules'

const HOUR_MS = 3_600_000
/** Hard caps on `maximum_ttl` (lib/services/workload_identity.go maxMaxX509SVIDTTL, maxMaxJWTSVIDTTL; `>`, so equal is allowed). */
export const MAX_X509_SVID_TTL_MS = 14 * 24 * HOUR_MS
export const MAX_JWT_SVID_TTL_MS = 24 * HOUR_MS
/** extra_claims may nest fewer than this many mappings/lists, counting extra_claims itself. */
export const MAX_EXTRA_CLAIMS_DEPTH = 10

const OPERATORS = ['eq', 'not_eq', 'in', 'not_in'] as const

/**
 * SPIFFE-ID.md §2.3 Maximum SPIFFE ID Length: implementations SHOULD NOT generate SPIFFE IDs longer
 * than 2048 bytes, counting the "spiffe://" scheme, the trust domain and the path.
 */
export const MAX_SPIFFE_ID_BYTES = 2048
const SPIFFE_SCHEME = 'spiffe://'

/**
 * Why spec.spiffe.id cannot fit in a SPIFFE ID whatever the trust domain (even a one-byte one), or
 * undefined. Only a literal id is judged here; a templated one is measured once rendered (authority/).
 */
export function literalSpiffeIdProblem(id: string): string | undefined {
  if (id.includes('{{')) return undefined
  const bytes = Buffer.byteLength(id, 'utf8')
  if (SPIFFE_SCHEME.length + 1 + bytes <= MAX_SPIFFE_ID_BYTES) return undefined
  return `is ${bytes} bytes long, so its SPIFFE ID would be longer than ${MAX_SPIFFE_ID_BYTES} bytes, ` +
    'the most the SPIFFE standard allows (SPIFFE-ID.md §2.3)'
}

export function parseWorkloadIdentity(
  value: unknown, loc: InputLocation, options: WorkloadIdentityParseOptions = {},
): WorkloadIdentity {
  const top = FieldReader.of(value, rootPlace(loc), ['kind', 'version', 'metadata', 'spec'])
  if (top.get('version') !== 'v1') fail(top.at('version'), 'only "v1" is supported')
  if (top.get('kind') !== 'workload_identity') fail(top.at('kind'), 'must be "workload_identity"')
  const metadata = parseMetadata(top.get('metadata'), top.at('metadata'))
  if (!top.has('spec')) fail(top.at('spec'), 'is required')
  const spec = FieldReader.of(top.get('spec'), top.at('spec'), ['spiffe', 'rules'])
  return {kind: 'workload_identity', version: 'v1', metadata, spec: parseSpec(spec, options)}
}

function parseSpec(spec: FieldReader, options: WorkloadIdentityParseOptions): WorkloadIdentitySpec {
  const spiffe = parseSpiffe(spec)
  const rules = spec.mapping('rules', ['allow'])
  const allow = rules?.list('allow')?.map((r) => parseRule(r.value, r.place, options))
  return defined({spiffe, rules: rules && defined({allow: nonEmpty(allow)})})
}

function parseSpiffe(spec: FieldReader): WorkloadIdentitySpec['spiffe'] {
  const spiffe = spec.mapping('spiffe', ['id', 'hint', 'x509', 'jwt'])
  const id = spiffe?.string('id') ?? ''
  if (spiffe === undefined || id === '') return fail(fieldPlace(spec.at('spiffe'), 'id'), 'is required')
  if (!id.startsWith('/')) fail(spiffe.at('id'), 'must start with a /')
  const x509 = spiffe.mapping('x509', ['dns_sans', 'subject_template', 'maximum_ttl'])
  const jwt = spiffe.mapping('jwt', ['extra_claims', 'maximum_ttl'])
  const x509Ttl = maximumTtl(x509, MAX_X509_SVID_TTL_MS)
  const jwtTtl = maximumTtl(jwt, MAX_JWT_SVID_TTL_MS)
  return defined({
    id,
    hint: nonEmpty(spiffe.string('hint')),
    x509: x509 && defined({
      dns_sans: nonEmpty(x509.stringList('dns_sans')),
      subject_template: parseSubjectTemplate(x509),
      maximum_ttl: x509Ttl,
    }),
    jwt: jwt && defined({extra_claims: parseExtraClaims(jwt), maximum_ttl: jwtTtl}),
  })
}

/** protojson text of a `maximum_ttl`, checked against its hard cap. */
function maximumTtl(fields: FieldReader | undefined, maxMs: number): string | undefined {
  const ms = fields?.duration('maximum_ttl')
  if (fields === undefined || ms === undefined) return undefined
  if (ms > maxMs) fail(fields.at('maximum_ttl'), `must be less than ${formatGoDuration(maxMs)}`)
  return formatProtoDuration(ms)
}

function parseSubjectTemplate(x509: FieldReader): SubjectTemplate | undefined {
  const subject = x509.mapping('subject_template', ['common_name', 'organization', 'organizational_unit'])
  return subject && defined({
    common_name: nonEmpty(subject.string('common_name')),
    organization: nonEmpty(subject.string('organization')),
    organizational_unit: nonEmpty(subject.string('organizational_unit')),
  })
}

function parseExtraClaims(jwt: FieldReader): JsonObject | undefined {
  const claims = jwt.get('extra_claims')
  if (claims === undefined) return undefined
  const place = jwt.at('extra_claims')
  FieldReader.of(claims, place) // a mapping, like the proto Struct
  if (nestingDepth(claims, MAX_EXTRA_CLAIMS_DEPTH) >= MAX_EXTRA_CLAIMS_DEPTH) {
    fail(place, `nesting depth must be less than ${MAX_EXTRA_CLAIMS_DEPTH}`)
  }
  return toJsonValue(claims, place) as JsonObject
}

/** How many mappings/lists deep `value` goes (a scalar is 0), stopping early at `limit`. */
function nestingDepth(value: unknown, limit: number): number {
  if (typeof value !== 'object' || value === null) return 0
  if (limit <= 0) return 1
  let deepest = 0
  for (const item of Object.values(value)) deepest = Math.max(deepest, nestingDepth(item, limit - 1))
  return deepest + 1
}

function parseRule(value: unknown, place: Place, options: WorkloadIdentityParseOptions): WorkloadIdentityRule {
  const rule = FieldReader.of(value, place, ['conditions', 'expression'])
  const expression = nonEmpty(rule.string('expression'))
  const parsed = nonEmpty(rule.list('conditions')?.map((c) => parseCondition(c.value, c.place)))
  if (expression === undefined) {
    if (parsed === undefined) fail(rule.at('conditions'), 'must be non-empty')
  } else {
    if (parsed !== undefined) fail(rule.at('conditions'), 'is mutually exclusive with expression')
    checkExpression(expression, rule.at('expression'), options)
  }
  parsed?.forEach(checkCondition)
  return defined({conditions: parsed?.map((p) => p.condition), expression})
}

function checkExpression(expression: string, place: Place, options: WorkloadIdentityParseOptions): void {
  if (options.validateExpression === undefined) return
  try {
    options.validateExpression(expression)
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    fail(place, `invalid expression: ${reason}, see ${RULES_DOCS_URL}`)
  }
}

interface ParsedCondition {
  readonly condition: RuleCondition
  readonly operators: readonly string[]
  readonly place: Place
}

/** Teleport checks these after the rule's own checks, in this order (§2). */
function checkCondition({condition, operators, place}: ParsedCondition): void {
  if (condition.attribute === '') fail(fieldPlace(place, 'attribute'), 'must be non-empty')
  if (operators.length === 0) fail(place, 'operator must be specified')
  if (operators.length > 1) fail(place, `only one operator may be specified, got ${operators.join(' and ')}`)
}

function parseCondition(value: unknown, place: Place): ParsedCondition {
  const fields = FieldReader.of(value, place, ['attribute', ...OPERATORS])
  const condition: RuleCondition = defined({
    attribute: fields.string('attribute') ?? '',
    eq: readEq(fields, 'eq'),
    not_eq: readEq(fields, 'not_eq'),
    in: readIn(fields, 'in'),
    not_in: readIn(fields, 'not_in'),
  })
  return {condition, operators: OPERATORS.filter((op) => fields.has(op)), place}
}

/** `eq: {value: 1000}`: the proto field is a string; YAML numbers and booleans are kept as text. */
function readEq(fields: FieldReader, key: 'eq' | 'not_eq'): {value: string} | undefined {
  const operator = fields.mapping(key, ['value'])
  if (operator === undefined) return undefined
  const value = operator.get('value')
  return {value: value === undefined ? '' : scalarText(value, operator.at('value'))}
}

function readIn(fields: FieldReader, key: 'in' | 'not_in'): {values: string[]} | undefined {
  const operator = fields.mapping(key, ['values'])
  if (operator === undefined) return undefined
  const values = operator.list('values') ?? []
  return {values: values.map((v) => scalarText(v.value, v.place))}
}
