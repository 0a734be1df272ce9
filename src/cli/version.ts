/** `tctl version`, `tbot version`, `teleport version`: the binary and the package version. */
export interface VersionInfo {
  readonly bin: 'tctl' | 'tbot' | 'teleport'
  readonly version: string
}

export function versionText(info: VersionInfo): string {
  return `${info.bin} ${info.version}\n`
}
