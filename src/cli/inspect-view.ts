/** `tbot spiffe-inspect` as text: Teleport's layout (lib/workloadapi/inspect.ts), verdicts coloured on a terminal. */
import type {InspectReport} from '../lib/workloadapi/inspect.js'
import {stdout} from './colors.js'

export async function inspectText(report: InspectReport, now: Date): Promise<string> {
  const {formatInspectReport} = await import('../lib/workloadapi/inspect.js')
  const color = stdout()
  return formatInspectReport(report, now, {pass: (text) => color.green(text), fail: (text) => color.red(text)})
}
