/** tbot against the server (issue "The remote server"): not built yet. */
import {SvidkitError} from '../errors.js'
import type {ConnectBot} from '../tbot/issuer.js'

export function connectRemoteBot(): ConnectBot {
  return async () => {
    throw new SvidkitError('NOT_IMPLEMENTED', 'proxy_server/auth_server: connecting to a remote server is not supported yet; omit them to use the local data directory')
  }
}
