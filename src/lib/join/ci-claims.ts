/**
 * Shared by the CI join methods (github, gitlab): verifying an ID token against a token's
 * `static_jwks` or its issuer's discovered keys, with Teleport's wrapping of each refusal
 * (lib/join/gitlab CheckIDToken: "validating with static jwks" / "validating with oidc"), and
 * Teleport's simple glob for some allow-rule fields (lib/join/joinutils GlobMatchAllowEmptyPattern:
 * `*` any run of characters, `?` one character, an empty pattern matches anything).
 */
import type {JWTPayload} from 'jose'
import {SvidkitError} from '../errors.js'
import {verifyJwt} from './jwt.js'
import {issuerKeys} from './remote-keys.js'
import {staticKeys} from './static-keys.js'

export interface CiVerification {
  readonly idToken: string
  readonly staticJwks?: string
  readonly issuer: string
  readonly audience: string
  readonly now: Date
}

function prefixed(prefix: string, err: unknown): unknown {
  return err instanceof SvidkitError ? new SvidkitError(err.code, `${prefix}: ${err.message}`, {cause: err}) : err
}

export async function verifyCiToken(v: CiVerification): Promise<JWTPayload> {
  if (v.staticJwks !== undefined) {
    try {
      return await verifyJwt(v.idToken, await staticKeys(v.staticJwks), {audience: v.audience, now: v.now, style: 'static'})
    } catch (err) {
      throw prefixed('validating with static jwks', err)
    }
  }
  try {
    return await verifyJwt(v.idToken, issuerKeys(v.issuer), {audience: v.audience, issuer: v.issuer, now: v.now, style: 'oidc'})
  } catch (err) {
    throw prefixed('validating with oidc', err)
  }
}

/** A claim as a string ('' when absent; numbers and booleans as their text, as GitLab sends some). */
export function claimText(payload: JWTPayload, name: string): string {
  const v = payload[name]
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : ''
}

const globs = new Map<string, RegExp>()

export function globMatch(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined || pattern === '') return true
  let re = globs.get(pattern)
  if (re === undefined) {
    const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`))
    re = new RegExp(`^${body}$`, 's')
    if (globs.size >= 256) globs.clear()
    globs.set(pattern, re)
  }
  return re.test(value)
}
