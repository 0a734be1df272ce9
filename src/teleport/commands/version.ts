import {BaseCommand} from '../../cli/base.js'

export default class Version extends BaseCommand {
  static override summary = 'Print the version of the teleport binary.'
  async run(): Promise<void> {
    this.log(`teleport ${this.config.version}`)
  }
}
