/**
 * From text to typed resources: decode the stream (document/decode.ts), then dispatch each document
 * on its `kind` to that kind's parser (Teleport's tool/tctl/common/resource_command.go). The results
 * are frozen plain JSON values with keys in canonical order, so printing them is stable and
 * printing then parsing gives an equal value.
 */
import {InputError, type InputLocation} from '../errors.js'
import {RESOURCE_KINDS, type Resource, type ResourceKind} from './types.js'
import {decodeDocuments, type DecodedDocument} from '../document/decode.js'
import {describe, fail, fieldPlace, isPlainObject, rootPlace, type Place} from '../document/place.js'
import {FieldReader} from '../document/fields.js'
import {newNameProblem} from './metadata.js'
import {deepFreeze} from './values.js'
import {literalSpiffeIdProblem, parseWorkloadIdentity, type WorkloadIdentityParseOptions} from './workload-identity.js'
import {parseRole} from './role.js'
import {parseBot} from './bot.js'
import {parseProvisionToken} from './token.js'
import {parseSpiffeFederation} from './spiffe-federation.js'

export interface ParseOptions extends WorkloadIdentityParseOptions {
  /**
   * The documents create resources (`tctl create`), so they meet the rules for new ones: names
   * follow metadata.ts newNameProblem (not only be safe to store), and a literal spec.spiffe.id fits
   * in a SPIFFE ID. Off when reading stored resources, so an older data directory still reads back.
   */
  readonly creating?: boolean
}

const PARSERS: {readonly [K in ResourceKind]: (value: unknown, loc: InputLocation, options: ParseOptions) => Resource} = {
  workload_identity: parseWorkloadIdentity,
  role: parseRole,
  bot: parseBot,
  token: parseProvisionToken,
  spiffe_federation: parseSpiffeFederation,
}

/** One decoded value (a document, or a stored JSON file) as a typed, frozen resource. */
export function parseResourceValue(value: unknown, loc: InputLocation, options: ParseOptions = {}): Resource {
  const place = rootPlace(loc)
  if (!isPlainObject(value)) {
    fail(place, `expected a resource (a mapping with kind, version, metadata and spec), got ${describe(value)}`)
  }
  const kind = FieldReader.of(value, place).required.string('kind')
  const parser = RESOURCE_KINDS.includes(kind as ResourceKind) ? PARSERS[kind as ResourceKind] : undefined
  if (parser === undefined) fail(fieldPlace(place, 'kind'), `creating resources of type ${JSON.stringify(kind)} is not supported`)
  const resource = parser(value, loc, options)
  if (options.creating === true) checkNewResource(resource, place)
  return deepFreeze(resource)
}

/** The first rule for new resources that `resource` breaks, as the parsers report one. */
export function newResourceProblem(resource: Resource): {path: string; problem: string} | undefined {
  const checks: Array<[string, string | undefined, (value: string) => string | undefined]> = [
    ['metadata.name', resource.metadata.name, newNameProblem],
  ]
  if (resource.kind === 'token') checks.push(['spec.bot_name', resource.spec.bot_name, newNameProblem])
  if (resource.kind === 'workload_identity') checks.push(['spec.spiffe.id', resource.spec.spiffe.id, literalSpiffeIdProblem])
  for (const [path, value, check] of checks) {
    const problem = value === undefined ? undefined : check(value)
    if (problem !== undefined) return {path, problem}
  }
  return undefined
}

function checkNewResource(resource: Resource, place: Place): void {
  const found = newResourceProblem(resource)
  if (found !== undefined) fail({...place, path: found.path}, found.problem)
}

export function parseResource(doc: DecodedDocument, file: string, options: ParseOptions = {}): Resource {
  return parseResourceValue(doc.value, {file, document: doc.index}, options)
}

/** Every resource in a file's text, in order; the first bad document stops the parse. */
export function parseResources(text: string, file: string, options: ParseOptions = {}): Resource[] {
  const documents = decodeDocuments(text, file)
  if (documents.length === 0) throw new InputError({file}, 'no resources found, empty input?')
  return documents.map((doc) => parseResource(doc, file, options))
}
