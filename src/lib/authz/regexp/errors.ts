/**
 * Go's `regexp/syntax` error codes and message shape: `error parsing regexp: <code>: `<expr>``.
 * Teleport hands these strings straight to users (as BadParameter), so we reproduce them.
 */

export const GoRegexpCode = {
  invalidCharRange: 'invalid character class range',
  invalidEscape: 'invalid escape sequence',
  invalidNamedCapture: 'invalid named capture',
  invalidPerlOp: 'invalid or unsupported Perl syntax',
  invalidRepeatOp: 'invalid nested repetition operator',
  invalidRepeatSize: 'invalid repeat count',
  invalidUTF8: 'invalid UTF-8',
  missingBracket: 'missing closing ]',
  missingParen: 'missing closing )',
  missingRepeatArgument: 'missing argument to repetition operator',
  trailingBackslash: 'trailing backslash at end of expression',
  unexpectedParen: 'unexpected )',
  nestingDepth: 'expression nests too deeply',
} as const

export type GoRegexpCodeText = (typeof GoRegexpCode)[keyof typeof GoRegexpCode]

export class GoRegexpError extends Error {
  constructor(
    readonly code: GoRegexpCodeText | 'unsupported',
    readonly expr: string,
  ) {
    super(
      code === 'unsupported'
        ? `error parsing regexp: nested unbounded repetition is not supported (it could backtrack catastrophically): \`${expr}\``
        : `error parsing regexp: ${code}: \`${expr}\``,
    )
    this.name = 'GoRegexpError'
  }
}
