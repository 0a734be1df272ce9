/** `tctl get`: fetch by reference and render (teleport.md §1 "get"). */
import type {AdminApi} from '../lib/backend/admin-api.js'
import {BadParameterError} from '../lib/errors.js'
import type {Resource} from '../lib/resources/types.js'
import {type OutputFormat, toJson, toYamlDocuments} from './output.js'
import {parseResourceRefs} from './resource-ref.js'
import {resourcesTable} from './resource-views.js'

export async function getResources(admin: AdminApi, refText: string, format: OutputFormat): Promise<string> {
  const refs = parseResourceRefs(refText)
  if (refs.length > 1 && format !== 'yaml') throw new BadParameterError('mixed resource types only support YAML formatting')
  const found: Resource[] = []
  for (const ref of refs) {
    if (ref.name !== undefined) found.push(await admin.getResource(ref.kind, ref.name))
    else found.push(...(await admin.listResources(ref.kind)))
  }
  if (format === 'json') return toJson(found)
  if (format === 'text') return resourcesTable(refs[0]!.kind, found)
  return found.length === 0 ? '' : toYamlDocuments(found)
}
