/**
 * The cluster admin as a BotSession, so `tctl workload-identity issue-x509|issue-jwt` runs tbot's own
 * output services and writes exactly the files tbot writes (`tsh workload-identity issue-x509` does
 * the same). The admin may request any identity; each identity's rules still apply to the
 * attributes it presents (issue "The certificate authority").
 */
import type {BotSession, IssueJwtRequest, IssueX509Request, JwtSvidCredential, TrustBundle, X509SvidCredential} from '../issuance/contract.js'
import type {Authority} from './authority.js'
import type {Caller} from './caller.js'

export class AdminSession implements BotSession {
  private readonly caller: Caller

  constructor(private readonly authority: Authority, userName = 'admin') {
    this.caller = {kind: 'admin', name: userName}
  }

  issueX509Svids(request: IssueX509Request): Promise<readonly X509SvidCredential[]> {
    return this.authority.issueX509Svids({caller: this.caller, selector: request.selector, publicKey: request.publicKeyDer, ttlMs: request.ttlMs})
  }

  issueJwtSvids(request: IssueJwtRequest): Promise<readonly JwtSvidCredential[]> {
    return this.authority.issueJwtSvids({caller: this.caller, selector: request.selector, audiences: request.audiences, ttlMs: request.ttlMs})
  }

  async trustBundle(): Promise<TrustBundle> {
    return this.authority.trustBundle()
  }

  /** The admin holds no renewable identity here: its authority is access to the data directory. */
  async renew(): Promise<void> {}

  identityExpiresAt(): Date {
    return new Date(8.64e15)
  }

  close(): Promise<void> {
    return this.authority.flush()
  }
}
