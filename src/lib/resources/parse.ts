/**
 * From text to typed resources: decode the stream (document/decode.ts), then dispatch each document
 * on its `kind` to that kind's parser (Teleport's tool/tctl/common/resource_command.go). The results
 * are frozen plain JSON values with keys in canonical order, so printing them is stable and
 * printing then parsing gives an equal value.
 */
import {InputError, type InputLocation} from '../errors.js'
import {RESOURCE_KINDS, type Resource, type ResourceKind} from './types.js'
import {decodeDocuments, type DecodedDocument} from '../document/decode.js'
import {describe, fail, fieldPlace, isPlainObject, rootPlace} from '../document/place.js'
import {FieldReader} from '../document/fields.js'
import {deepFreeze} from './values.js'
import {parseWorkloadIdentity, type WorkloadIdentityParseOptions} from './workload-identity.js'
import {parseRole} from './role.js'
import {parseBot} from './bot.js'
import {parseProvisionToken} from './token.js'

export type ParseOptions = WorkloadIdentityParseOptions

const PARSERS: {readonly [K in ResourceKind]: (value: unknown, loc: InputLocation, options: ParseOptions) => Resource} = {
  workload_identity: parseWorkloadIdentity,
  role: parseRole,
  bot: parseBot,
  token: parseProvisionToken,
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
  return deepFreeze(parser(value, loc, options))
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
