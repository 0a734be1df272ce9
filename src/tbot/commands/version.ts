import {BaseCommand} from '../../cli/base.js'
import {versionText, type VersionInfo} from '../../cli/version.js'

export default class Version extends BaseCommand<VersionInfo> {
  static override summary = 'Print the version of the tbot binary.'
  async run(): Promise<VersionInfo> {
    await this.parse(Version)
    return {bin: 'tbot', version: this.config.version}
  }

  protected view(info: VersionInfo): string {
    return versionText(info)
  }
}
