/** Choosing workload identities on the command line: the flags, and the typed selector they make. */
import {Flags} from '@oclif/core'
import {BadParameterError} from '../lib/errors.js'
import {parseLabelSpec} from '../lib/tbot/config/one-line.js'
import type {WorkloadIdentitySelector} from '../lib/tbot/config/types.js'

export const selectorFlags = {
  'name-selector': Flags.string({description: 'Name of the workload identity to issue.'}),
  'label-selector': Flags.string({description: 'Labels of the workload identities to issue: k=v,k2=v2.'}),
}

export function selectorFrom(nameSelector: string | undefined, labelSelector: string | undefined): WorkloadIdentitySelector {
  if ((nameSelector === undefined) === (labelSelector === undefined)) {
    throw new BadParameterError('exactly one of --name-selector and --label-selector must be given')
  }
  return nameSelector !== undefined ? {name: nameSelector} : {labels: parseLabelSpec(labelSelector ?? '')}
}
