import {BaseCommand} from '../../cli/base.js'

export default class Version extends BaseCommand {
  static override summary = 'Print the version of the tbot binary.'
  async run(): Promise<void> {
    this.log(`tbot ${this.config.version}`)
  }
}
