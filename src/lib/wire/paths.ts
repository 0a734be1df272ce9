/**
 * The server's JSON API for tctl and tbot, under /v1 (our own; Teleport speaks gRPC for these, §9).
 * Who may call what is decided per route on the server (server/api-routes.ts); listed here so the
 * clients and the server cannot drift apart.
 *
 *   admin identity   GET  /v1/status
 *                    POST /v1/resources                      create (force) a batch
 *                    GET  /v1/resources/:kind[/:name]        list / get
 *                    DELETE /v1/resources/:kind/:name
 *                    POST /v1/bots, PATCH|DELETE /v1/bots/:name
 *                    POST /v1/tokens
 *   no certificate   POST /v1/bot/join                       the single-use join token is the credential
 *   no certificate   POST /v1/bot/join/challenge             bound_keypair: a challenge to sign
 *   bot identity     POST /v1/bot/renew
 *   admin or bot     POST /v1/workload-identity/x509-svids | jwt-svids, GET /v1/workload-identity/trust-bundle
 */
export const API = {
  status: '/v1/status',
  resources: '/v1/resources',
  bots: '/v1/bots',
  tokens: '/v1/tokens',
  botJoin: '/v1/bot/join',
  botJoinChallenge: '/v1/bot/join/challenge',
  botRenew: '/v1/bot/renew',
  x509Svids: '/v1/workload-identity/x509-svids',
  jwtSvids: '/v1/workload-identity/jwt-svids',
  trustBundle: '/v1/workload-identity/trust-bundle',
} as const

export function resourcePath(kind: string, name?: string): string {
  return name === undefined ? `${API.resources}/${encodeURIComponent(kind)}` : `${API.resources}/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`
}

export function botPath(name: string): string {
  return `${API.bots}/${encodeURIComponent(name)}`
}
