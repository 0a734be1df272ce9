/** The CA admin routes (wire/ca.ts): rotation and rotation status, for admin identities only. */
import type {CaAdminApi} from '../backend/ca-admin-api.js'
import {CA_API, encodeCaStatus, parseRotateRequest} from '../wire/ca.js'
import {adminRoute, type ApiCaller} from './callers.js'
import type {Route} from './router.js'

export function caRoutes(admin: CaAdminApi): Route<ApiCaller>[] {
  return [
    adminRoute('POST', CA_API.rotate, async ({body}) => encodeCaStatus(await admin.rotateCertAuthority(parseRotateRequest(body)))),
    adminRoute('GET', CA_API.status, async () => ({authorities: (await admin.caRotationStatus()).map(encodeCaStatus)})),
  ]
}

/**
 * Moves due automatic rotations (`tctl auth rotate` without --manual) every `everyMs`, as
 * Teleport's auth server does on its periodic operations (lib/auth/rotate.go: autoRotateCertAuthorities).
 */
export function scheduleAutoRotation(advance: () => Promise<unknown>, onError: (err: unknown) => void, everyMs = 1000): () => void {
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    advance().catch(onError).finally(() => (running = false))
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
