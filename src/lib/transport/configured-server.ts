/**
 * Which server tctl talks to when the user names none.
 *
 * HOOK(lead): return the client options of the configured auth server (its URL, the trust in it and the
 * admin identity), read from wherever the remote backend keeps them. Until that exists there is no
 * configured server, and commands that need one ask for a URL instead.
 */
import type {HttpsClientOptions} from './https-client.js'

export async function configuredAuthServer(): Promise<HttpsClientOptions | undefined> {
  return undefined
}
