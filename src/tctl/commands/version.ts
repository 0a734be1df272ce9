import {BaseCommand} from '../../cli/base.js'

export default class Version extends BaseCommand {
  static override summary = 'Print the version of the tctl binary.'
  async run(): Promise<void> {
    this.log(`tctl ${this.config.version}`)
  }
}
