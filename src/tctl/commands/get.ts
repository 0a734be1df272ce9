import {Args} from '@oclif/core'
import {adminFlags, openAdmin} from '../../cli/admin.js'
import {BaseCommand, formatFlag} from '../../cli/base.js'
import {getResources, listingText, type ResourceListing} from '../../cli/get.js'

export default class Get extends BaseCommand<ResourceListing> {
  static override summary = 'Print a YAML declaration of various cluster resources.'
  static override examples = ['<%= config.bin %> get workload_identity', '<%= config.bin %> get bot/my-bot --format json']
  static override args = {ref: Args.string({description: 'KIND[/NAME][,KIND2...] or all', required: true})}
  static override flags = {...adminFlags, format: formatFlag(['yaml', 'json', 'text'], 'yaml')}

  async run(): Promise<ResourceListing> {
    const {args, flags} = await this.parse(Get)
    const admin = await openAdmin(flags, this.config.version)
    return getResources(admin, args.ref, flags.format)
  }

  protected view(listing: ResourceListing): string {
    return listingText(listing)
  }
}
