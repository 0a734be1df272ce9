/**
 * `{{ expression }}` templates (Teleport's api/proto/teleport/workloadidentity/v1/resource.proto "Templating"; Teleport's expression/template.go):
 * literal text outside the braces, an expression (attribute path or function call) inside; no
 * braces inside an expression; `{{ }}` renders nothing. The result must be a string, bool, int or
 * uint: unlike Teleport (whose template accepts string, bool and int only), uint32 attributes such
 * as `workload.unix.uid` print as their decimal value (`1000`). An empty
 * string attribute is an error `<path> is unset`, as is a field of an unset sub-message.
 */
import {BadParameterError, SvidkitError} from '../errors.js'
import type {JsonObject, JsonValue} from '../resources/types.js'
import type {Attributes} from './attributes.js'
import {evaluateValue, parseTemplateExpression, type Expression} from './expression/index.js'
import {Uint64} from './expression/values.js'
import {wrapError} from './wrap.js'

type Fragment = {readonly literal: string} | {readonly text: string; readonly expression: Expression}

export interface Template {
  readonly source: string
  readonly fragments: readonly Fragment[]
}

const INTERPOLATION = /\{\{([^{}]+?)\}\}/g

const byteOffset = (s: string, index: number): number => Buffer.byteLength(s.slice(0, index), 'utf8')

/** Parses a template; errors read `parsing expression [2:9]: foo.bar: parsing expression: …`. */
export function parseTemplate(source: string): Template {
  const fragments: Fragment[] = []
  let pos = 0
  for (const m of source.matchAll(INTERPOLATION)) {
    const start = m.index
    const end = start + m[0].length
    if (start > pos) fragments.push({literal: source.slice(pos, start)})
    pos = end
    const text = m[1] as string
    if (text.trim() === '') continue
    try {
      fragments.push({text, expression: parseTemplateExpression(text)})
    } catch (err) {
      if (!(err instanceof SvidkitError)) throw err
      throw wrapError(err, `parsing expression [${byteOffset(source, start + 2)}:${byteOffset(source, end - 2)}]: ${text}`)
    }
  }
  if (pos < source.length) fragments.push({literal: source.slice(pos)})
  return {source, fragments}
}

export function renderParsedTemplate(template: Template, attrs: Attributes): string {
  let out = ''
  for (const fragment of template.fragments) {
    if ('literal' in fragment) {
      out += fragment.literal
      continue
    }
    let value
    try {
      value = evaluateValue(fragment.expression, attrs)
    } catch (err) {
      if (!(err instanceof SvidkitError)) throw err
      throw wrapError(err, `evaluating expression: ${fragment.text}`)
    }
    if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint' || value instanceof Uint64) out += String(value)
    else throw new BadParameterError(`expression did not evaluate to a string: ${fragment.text}`)
  }
  return out
}

/**
 * Parsed templates by source: a template is a pure function of its text, and issuance renders the
 * same few templates on every request. Bounded (oldest out first); failed parses are not cached,
 * so they fail again with the same message.
 */
const parsedTemplates = new Map<string, Template>()
const PARSED_TEMPLATES_LIMIT = 512

function parseTemplateCached(source: string): Template {
  const cached = parsedTemplates.get(source)
  if (cached !== undefined) return cached
  const template = parseTemplate(source)
  if (parsedTemplates.size >= PARSED_TEMPLATES_LIMIT) parsedTemplates.delete(parsedTemplates.keys().next().value as string)
  parsedTemplates.set(source, template)
  return template
}

/** Teleport `RenderTemplate`: parse, then render. */
export function renderTemplate(source: string, attrs: Attributes): string {
  return renderParsedTemplate(parseTemplateCached(source), attrs)
}

/** Nesting limit of `jwt.extra_claims` (the root object is level 0). */
export const MAX_CLAIMS_DEPTH = 10

/**
 * Renders every string leaf of `extra_claims` as a template; numbers, booleans and nulls pass
 * through. Errors name the claim: `templating claim: foo.bar[1].baz: …`.
 */
export function templateExtraClaims(claims: JsonObject, attrs: Attributes): JsonObject {
  return renderClaim('', claims, attrs, 0) as JsonObject
}

function renderClaim(field: string, value: JsonValue, attrs: Attributes, depth: number): JsonValue {
  if (depth >= MAX_CLAIMS_DEPTH) {
    throw new BadParameterError(`extra_claims cannot contain more than ${MAX_CLAIMS_DEPTH} levels of nesting`)
  }
  if (typeof value === 'string') {
    try {
      return renderTemplate(value, attrs)
    } catch (err) {
      if (!(err instanceof SvidkitError)) throw err
      throw wrapError(err, `templating claim: ${field}`)
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => renderClaim(`${field}[${i}]`, v, attrs, depth + 1))
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {}
    for (const [k, v] of Object.entries(value)) out[k] = renderClaim(field === '' ? k : `${field}.${k}`, v, attrs, depth + 1)
    return out
  }
  return value
}
