/**
 * The admin API (api/paths.ts): AdminApi over HTTPS, served by the same LocalBackend `tctl` uses on
 * the cluster's host, so both paths run the same code and return the same typed errors.
 */
import {
  encodeStatus, parseAddBot, parseAddToken, parseCreateRequest, parseKind, parseUpdateBot,
} from '../wire/admin.js'
import {API} from '../wire/paths.js'
import type {AdminApi} from '../backend/admin-api.js'
import {adminRoute, type ApiCaller} from './callers.js'
import {reply, type Route} from './router.js'

/** A join token's name is its secret (Teleport's tool/tctl/common/bots_command.go and api/types/provisioning.go): never logged. Listed before the generic routes. */
const TOKEN = `${API.resources}/token/:name`
const ONE = `${API.resources}/:kind/:name`

export function adminRoutes(admin: AdminApi): Route<ApiCaller>[] {
  return [
    adminRoute('GET', API.status, async () => encodeStatus(await admin.status())),
    adminRoute('POST', API.resources, async ({body}) => {
      const {resources, force} = parseCreateRequest(body)
      return {outcomes: await admin.createResources(resources, {force})}
    }),
    adminRoute('GET', `${API.resources}/:kind`, async ({params}) => ({resources: await admin.listResources(parseKind(params.kind!))})),
    adminRoute('GET', TOKEN, ({params}) => admin.getResource('token', params.name!), ['name']),
    adminRoute('DELETE', TOKEN, async ({params}) => void (await admin.deleteResource('token', params.name!)), ['name']),
    adminRoute('GET', ONE, ({params}) => admin.getResource(parseKind(params.kind!), params.name!)),
    adminRoute('DELETE', ONE, async ({params}) => void (await admin.deleteResource(parseKind(params.kind!), params.name!))),
    adminRoute('POST', API.bots, async ({body}) => reply(await admin.addBot(parseAddBot(body)), {status: 201})),
    adminRoute('PATCH', `${API.bots}/:name`, ({params, body}) => admin.updateBot(parseUpdateBot(params.name!, body))),
    adminRoute('DELETE', `${API.bots}/:name`, async ({params}) => void (await admin.deleteBot(params.name!))),
    adminRoute('POST', API.tokens, async ({body}) => reply(await admin.addToken(parseAddToken(body)), {status: 201})),
  ]
}
