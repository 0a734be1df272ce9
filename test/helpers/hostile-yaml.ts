/**
 * Hostile config files for every reader of YAML (tctl create's resources, tbot's config, the server's
 * teleport.yaml): each must be refused with one line naming the file, and leave the process able to
 * parse again (the yaml package once crashed the *next* parse after a deep-nesting stack overflow).
 */
const billionLaughs = (): string => {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
  for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`)
  return lines.join('\n') + '\n'
}

export interface HostileInput {
  readonly name: string
  readonly content: string | Buffer
  /** What the reason says, after any prefix the reader adds. */
  readonly reason: RegExp
}

/** `head` is a valid start of the config (its `version:` line), so only the hostile part is wrong. */
export function hostileInputs(head: string): HostileInput[] {
  return [
    {name: 'flow nesting 5000 deep', content: `${head}x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, reason: /nesting is too deep \(the limit is 64 levels\)$/},
    {name: 'block nesting 2000 deep', content: head + Array.from({length: 2000}, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' v\n', reason: /nesting is too deep/},
    {name: 'JSON nesting 3000 deep', content: '{"a":'.repeat(3000) + '1' + '}'.repeat(3000), reason: /nesting is too deep/},
    {name: 'an alias bomb', content: head + billionLaughs(), reason: /too many alias expansions \(the limit is 100\), refusing a possible "billion laughs" document$/},
    {name: 'a 5 MiB file', content: `${head}# ${'x'.repeat(5 * 1024 * 1024)}\n`, reason: /file is too large \(\d+ bytes, the limit is 4194304 bytes\)$/},
    {name: 'binary data', content: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff, 0xfe, 0, 0x80]), reason: /not a text file \(it contains a NUL byte at line 1, column \d+\)$/},
    {name: 'UTF-16 text', content: Buffer.from(head, 'utf16le'), reason: /not a text file/},
    {name: 'a duplicate key', content: `${head}${head}`, reason: /line 2, column 1: duplicate key "version"$/},
  ]
}
