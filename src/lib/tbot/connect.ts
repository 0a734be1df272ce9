/**
 * From tbot's configuration to a connected bot: the storage destination, the join secret and the
 * backend (the server named by `auth_server`/`proxy_server`, else the local data directory). The
 * backends themselves know nothing of tbot's config (issuance/contract.ts is all they share).
 */
import type {BotSession, ConnectDeps} from '../issuance/contract.js'
import {serverUrl} from '../net/server-url.js'
import {requireJoinToken} from './config/onboarding.js'
import type {TbotConfig} from './config/types.js'
import {openDestination} from './destination.js'
import {idTokenReader} from './join-credentials.js'
import {prepareAnswer} from './bound-keypair.js'
import type {Challenge} from '../join/bound-keypair.js'

/** Connects the bot a configuration describes; the agent calls it again when connection settings change. */
export type ConnectTbot = (config: TbotConfig, deps: ConnectDeps) => Promise<BotSession>

/**
 * `dataDir` is used when the configuration names no server; `local` tunes the local backend (tests
 * pass a policy max age of 0 to see another backend instance's writes at once).
 */
export function connectTbot(dataDir: string, local: {policyMaxAgeMs?: number} = {}): ConnectTbot {
  return async (config, deps) => {
    const storage = openDestination(config.storage)
    await storage.init()
    const joinMethod = config.onboarding.joinMethod
    const readIdToken = idTokenReader(joinMethod)
    const connection = {
      storage, joinToken: () => requireJoinToken(config), credentialTtlMs: config.credentialTtlMs, joinMethod,
      ...(readIdToken !== undefined ? {joinIdToken: readIdToken} : {}),
      ...(joinMethod === 'bound_keypair'
        ? {answerChallenge: (c: Challenge) => prepareAnswer(storage, c, config.onboarding.registrationSecret)}
        : {}),
    }
    const server = config.authServer ?? config.proxyServer
    if (server !== undefined) {
      const {connectRemoteBot} = await import('../backend/remote/bot.js')
      const {insecure, source, onboarding: {caPath, caPins}} = config
      return connectRemoteBot({url: serverUrl(server), trust: {source, insecure, caPath, caPins}})(connection, deps)
    }
    const {connectLocalBot} = await import('../backend/local/bot.js')
    return connectLocalBot(dataDir, local)(connection, deps)
  }
}
