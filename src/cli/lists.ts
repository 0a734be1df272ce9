/** Comma-separated flag values, whitespace trimmed, empties dropped (Teleport's flag lists). */
export function splitList(text: string | undefined): string[] {
  if (text === undefined) return []
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

/** Like splitList, but an absent flag stays absent (so "not given" differs from "given empty"). */
export function optionalList(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : splitList(text)
}
