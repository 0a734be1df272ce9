/**
 * SVID issuance through the server (api/paths.ts), for whoever holds a client certificate: a bot
 * (remote-bot.ts) or an admin (RemoteBackend.issuerSession). The server decides what the caller
 * may have; this only carries requests and parses answers.
 */
import {encodeJwtRequest, encodeX509Request, parseJwtCredentials, parseTrustBundle, parseX509Credentials} from '../../wire/issue.js'
import {API} from '../../wire/paths.js'
import type {
  BotSession, IssueJwtRequest, IssueX509Request, JwtSvidCredential, TrustBundle, X509SvidCredential,
} from '../../issuance/contract.js'
import type {HttpsJsonClient} from '../../net/https-client.js'

const withSignal = (signal: AbortSignal | undefined) => (signal === undefined ? {} : {signal})

export class RemoteIssuer {
  constructor(protected client: HttpsJsonClient) {}

  async issueX509Svids(request: IssueX509Request): Promise<readonly X509SvidCredential[]> {
    return parseX509Credentials(await this.client.post(API.x509Svids, encodeX509Request(request), withSignal(request.signal)))
  }

  async issueJwtSvids(request: IssueJwtRequest): Promise<readonly JwtSvidCredential[]> {
    return parseJwtCredentials(await this.client.post(API.jwtSvids, encodeJwtRequest(request), withSignal(request.signal)))
  }

  async trustBundle(signal?: AbortSignal): Promise<TrustBundle> {
    return parseTrustBundle(await this.client.get(API.trustBundle, withSignal(signal)))
  }

  close(): Promise<void> {
    return this.client.close()
  }
}

/**
 * The admin as a BotSession over the server (the remote twin of authority/admin-session.ts): its
 * identity file is renewed by signing a new one, not by the session.
 */
export class RemoteAdminSession extends RemoteIssuer implements BotSession {
  constructor(client: HttpsJsonClient, private readonly expiresAt: Date) {
    super(client)
  }

  async renew(): Promise<void> {}

  identityExpiresAt(): Date {
    return this.expiresAt
  }
}
