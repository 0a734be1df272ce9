/**
 * bound_keypair joining on the wire (our JSON API; Teleport runs the same exchange over its gRPC join
 * stream, lib/auth/join/boundkeypair): POST /v1/bot/join/challenge {token} returns a challenge
 * document and whether the bot must rotate; the join request then carries `bound_keypair` (the
 * signed answer) and, when the bot has one, its current identity certificate.
 */
import type {FieldReader} from '../document/fields.js'
import {fail} from '../document/place.js'
import type {BoundKeypairAnswer} from '../join/bound-keypair.js'
import {readBody, readBytes, type JsonRecord} from './reader.js'

export interface ChallengeRequest {
  readonly token: string
}

export interface ChallengeResponse {
  readonly nonce: string
  readonly document: string
  readonly rotate: boolean
}

/** A key line, a JWS or a secret is well under this; the server's body limit bounds it anyway. */
const MAX_FIELD = 16 * 1024
const ANSWER_FIELDS = ['nonce', 'signature', 'public_key', 'registration_secret', 'new_public_key', 'new_signature'] as const

function bounded(r: FieldReader, key: string, required: boolean): string | undefined {
  const value = required ? r.required.string(key) : r.string(key)
  if (value !== undefined && (value === '' || value.length > MAX_FIELD)) fail(r.at(key), value === '' ? 'must not be empty' : 'is too long')
  return value
}

export function encodeChallengeRequest(r: ChallengeRequest): JsonRecord {
  return {token: r.token}
}

export function parseChallengeRequest(body: unknown): ChallengeRequest {
  const r = readBody(body, 'request body', ['token'])
  return {token: bounded(r, 'token', true) as string}
}

export function encodeChallengeResponse(r: ChallengeResponse): JsonRecord {
  return {nonce: r.nonce, document: r.document, rotate: r.rotate}
}

export function parseChallengeResponse(body: unknown): ChallengeResponse {
  const r = readBody(body, 'response body', ['nonce', 'document', 'rotate'])
  return {nonce: r.required.string('nonce'), document: r.required.string('document'), rotate: r.required.boolean('rotate')}
}

export function encodeAnswer(a: BoundKeypairAnswer): JsonRecord {
  return Object.fromEntries(ANSWER_FIELDS.flatMap((f) => {
    const key = {nonce: 'nonce', signature: 'signature', public_key: 'publicKey', registration_secret: 'registrationSecret', new_public_key: 'newPublicKey', new_signature: 'newSignature'}[f] as keyof BoundKeypairAnswer
    return a[key] === undefined ? [] : [[f, a[key]]]
  }))
}

export function parseAnswer(r: FieldReader): BoundKeypairAnswer {
  const opt = (k: string) => bounded(r, k, false)
  const out = {
    nonce: bounded(r, 'nonce', true) as string, signature: bounded(r, 'signature', true) as string, publicKey: opt('public_key'),
    registrationSecret: opt('registration_secret'), newPublicKey: opt('new_public_key'), newSignature: opt('new_signature'),
  }
  r.rejectUnknown(ANSWER_FIELDS)
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as unknown as BoundKeypairAnswer
}

/** The join request's bound_keypair fields, read from its body. */
export function parseBoundKeypairFields(r: FieldReader): {boundKeypair?: BoundKeypairAnswer; currentIdentityDer?: Buffer} {
  const section = r.mapping('bound_keypair')
  return {
    ...(section !== undefined ? {boundKeypair: parseAnswer(section)} : {}),
    ...(r.has('current_identity') ? {currentIdentityDer: readBytes(r, 'current_identity')} : {}),
  }
}
