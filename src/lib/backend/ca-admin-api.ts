/**
 * The admin side of the cluster's certificate authorities: rotation (`tctl auth rotate`) and each
 * CA's rotation status (`tctl status`). Both backends implement it: the local one on the CA state
 * store (authority/rotation.ts), the remote one through the server's /v1/ca routes (wire/ca.ts).
 */
import type {CaRotationStatus} from '../authority/rotation.js'
import type {RotateRequest} from '../authority/rotation-phases.js'

export type {CaRotationStatus, RotateRequest}

export interface CaAdminApi {
  rotateCertAuthority(request: RotateRequest): Promise<CaRotationStatus>
  caRotationStatus(): Promise<CaRotationStatus[]>
}
