/** `tctl get`: fetch by reference (Teleport's tool/tctl/common/resource_command.go, Get). */
import type {AdminApi} from '../lib/backend/admin-api.js'
import {BadParameterError} from '../lib/errors.js'
import type {Resource, ResourceKind} from '../lib/resources/types.js'
import {withMachineForm, type WithMachineForm} from './output.js'
import {parseResourceRefs} from './resource-ref.js'
import {resourcesTable} from './resource-views.js'

/** The resources found; the text table needs the kind asked for even when none were found. */
export type ResourceListing = WithMachineForm<{readonly kind: ResourceKind; readonly resources: readonly Resource[]}, readonly Resource[]>

export async function getResources(admin: AdminApi, refText: string, format: string): Promise<ResourceListing> {
  const refs = parseResourceRefs(refText)
  if (refs.length > 1 && format !== 'yaml') throw new BadParameterError('mixed resource types only support YAML formatting')
  const found: Resource[] = []
  for (const ref of refs) {
    if (ref.name !== undefined) found.push(await admin.getResource(ref.kind, ref.name))
    else found.push(...(await admin.listResources(ref.kind)))
  }
  return withMachineForm({kind: refs[0]!.kind, resources: found}, found)
}

export function listingText(listing: ResourceListing): string {
  return resourcesTable(listing.kind, listing.resources)
}
