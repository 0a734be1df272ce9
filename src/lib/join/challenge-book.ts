/**
 * Bound-keypair challenges the Authority has issued and not yet seen answered: each is single-use
 * and lives one minute. Kept in the process that issued it (the server, or the local backend's
 * in-process join), as Teleport keeps its challenge in the join stream (lib/auth/join/boundkeypair).
 */
import {randomBytes} from 'node:crypto'
import {AccessDeniedError} from '../errors.js'

export const CHALLENGE_TTL_MS = 60_000
/** Bounds memory against a flood of unanswered challenges: the oldest go first. */
const MAX_PENDING = 10_000

export interface IssuedChallenge {
  readonly nonce: string
  readonly tokenName: string
  /** The exact bytes the bot signs (JSON). */
  readonly document: string
  /** The bot must rotate its key in its answer. */
  readonly rotate: boolean
  readonly expiresAt: number
}

export class ChallengeBook {
  private readonly pending = new Map<string, IssuedChallenge>()

  issue(tokenName: string, audience: string, rotate: boolean, now: Date): IssuedChallenge {
    this.prune(now.getTime())
    const nonce = randomBytes(32).toString('base64url')
    const iat = Math.floor(now.getTime() / 1000)
    const document = JSON.stringify({aud: audience, iat, nbf: iat, exp: iat + CHALLENGE_TTL_MS / 1000, nonce})
    const challenge = {nonce, tokenName, document, rotate, expiresAt: now.getTime() + CHALLENGE_TTL_MS}
    this.pending.set(nonce, challenge)
    return challenge
  }

  /** The challenge, removed: an answer is accepted once. */
  take(nonce: string, tokenName: string, now: Date): IssuedChallenge {
    const challenge = this.pending.get(nonce)
    this.pending.delete(nonce)
    if (challenge === undefined || challenge.tokenName !== tokenName || challenge.expiresAt <= now.getTime()) {
      throw new AccessDeniedError('bound keypair challenge is unknown, already answered or expired')
    }
    return challenge
  }

  private prune(now: number): void {
    for (const [nonce, c] of this.pending) if (c.expiresAt <= now) this.pending.delete(nonce)
    while (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value
      if (oldest === undefined) break
      this.pending.delete(oldest)
    }
  }
}
