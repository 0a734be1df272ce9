import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {AccessDeniedError, BadParameterError} from '../../../src/lib/errors.js'
import type {Attributes} from '../../../src/lib/authz/attributes.js'
import {evaluate, parseExpression, validateExpression} from '../../../src/lib/authz/expression/index.js'
import {botAttrs} from './fixtures.js'

const run = (src: string, attrs: Attributes = botAttrs): boolean => evaluate(parseExpression(src), attrs)

describe('rule expressions: evaluation', () => {
  const cases: Array<[string, boolean]> = [
    ['user.name == "bot-robot"', true],
    ['user.name != "bot-robot"', false],
    ['user.is_bot', true],
    ['!user.is_bot', false],
    ['!!user.is_bot', true],
    ['workload.unix.pid == 4242', true],
    ['workload.unix.pid != 4242', false],
    ['join.gitlab.runner_id == 42', true],
    ['join.gitlab.ref_protected && join.meta.join_method == "github"', true],
    // precedence: && binds tighter than ||, ! tighter than both
    ['user.name == "x" && user.is_bot || workload.unix.attested', true],
    ['user.name == "x" && (user.is_bot || workload.unix.attested)', false],
    ['!user.is_bot || user.name == "bot-robot"', true],
    ['!(user.is_bot && user.name == "bot-robot")', false],
    // short-circuit: the right side would fail (unset sub-message) but is never evaluated
    ['user.name == "x" && workload.unix.pid == 1', false],
    ['user.is_bot || join.oracle.tenancy_id == "x"', true],
    // maps and traits
    ['user.labels.team == "infra"', true],
    ['user.labels["team"] == "infra"', true],
    ['workload.kubernetes.labels["app.kubernetes.io/name"] == "web"', true],
    ['workload.podman.pod.labels.zone == "eu"', true],
    ['user.traits.logins.contains("root")', true],
    ['user.traits["groups"].contains("b")', true],
    ['user.traits.nope.contains("root")', false],
    ['is_empty(user.traits.nope)', true],
    ['user.traits.groups.isempty()', false],
    // functions
    ['strings.upper(user.bot_name) == "ROBOT"', true],
    ['strings.lower("ÀB") == "àb"', true],
    ['strings.upper("straße") == "STRAßE"', true], // Go maps rune by rune: ß stays
    ['strings.replaceall(user.name, "-", "_") == "bot_robot"', true],
    ['strings.replaceall("ab", "", "-") == "-a-b-"', true],
    ['set("a", "b").contains("b")', true],
    ['set().isempty()', true],
    ['union(set("a"), set("b")).contains("b")', true],
    ['set("a", "b").add("c").contains("c")', true],
    ['set("a", "b").remove("a").contains("a")', false],
    ['contains_any(user.traits.groups, set("x", "b"))', true],
    ['contains_all(user.traits.groups, set("a", "b"))', true],
    ['contains_all(user.traits.groups, set())', false],
    ['user.traits.groups.contains_any(set("z"))', false],
    ['strings.split(set("a,b"), ",").contains("b")', true],
    ['regexp.replace(set(user.name), "^bot-(.*)$", "$1").contains("robot")', true],
    ['regexp.replace(set("x"), "^bot-(.*)$", "$1").isempty()', true],
    ['email.local(set("Alice <alice@example.com>")).contains("alice")', true],
    ['ifelse(user.is_bot, "yes", "no") == "yes"', true],
    ['ifelse(user.is_bot, 1, 2) == 1', true],
    ['choose(option(user.name == "x", "a"), option(user.is_bot, "b")) == "b"', true],
    ['sigstore.policy_satisfied()', true],
    // raw strings and escapes, as Go writes them
    ['user.name == `bot-robot`', true],
    ['"a\\tb" == "a\\x09b"', true],
    ['"\\u00e9" == "é"', true],
    ['/* comment */ user.is_bot', true],
    ['user.name ==\n"bot-robot"', true],
  ]
  for (const [src, expected] of cases) it(`${src} → ${expected}`, () => assert.equal(run(src), expected))

  it('an unset string is "" in rules', () => assert.equal(run('workload.kubernetes.namespace == ""', {workload: {kubernetes: {attested: true}}}), true))
  it('a bool or int of an unset field is its zero value', () => {
    assert.equal(run('workload.unix.pid == 0', {workload: {unix: {attested: false}}}), true)
    assert.equal(run('!workload.unix.attested', {workload: {unix: {attested: false}}}), true)
  })
})

describe('rule expressions: parse errors (Teleport\'s messages)', () => {
  const cases: Array<[string, string]> = [
    ['', 'empty expression'],
    ['user.name ==', 'parsing expression: 1:13: expected operand, found \'EOF\''],
    ['(user.is_bot', 'parsing expression: 1:13: expected \')\', found newline'],
    ['user.is_bot user.is_bot', 'parsing expression: 1:13: expected \'EOF\', found user'],
    ['user.name == "x', 'parsing expression: 1:14: string literal not terminated'],
    ['user.name == "\\q"', 'parsing expression: 1:16: unknown escape sequence'],
    ['user.name == @', 'parsing expression: 1:14: invalid character U+0040 \'@\''],
    ['user.name == \'x\'', 'parsing expression: unsupported function argument type: \'CHAR\''],
    ['user.nmae == "x"', 'parsing expression: unknown identifier: "user.nmae"'],
    ['user == "x"', 'parsing expression: unknown identifier: "user"'],
    ['user.is_bot == true', 'parsing expression: unknown identifier: "true"'], // Go has no bool literals here
    ['user.is_bot == user.is_bot', 'parsing expression: operator (==) not supported for type: bool'],
    ['workload.unix.uid == 1000', 'parsing expression: operator (==) not supported for type: uint64'],
    ['1.5 == 1.5', 'parsing expression: operator (==) not supported for type: float64'],
    ['workload.unix.pid == "4242"', 'parsing expression: parsing rhs of (==) operator: expected type int, got value (4242) with type (string)'],
    ['user.name == 1', 'parsing expression: parsing rhs of (==) operator: expected type string, got value (1) with type (int)'],
    ['user.name && user.is_bot', 'parsing expression: parsing lhs of (&&) operator: expected type bool, got expression returning type (string)'],
    ['!user.name', 'parsing expression: parsing target of (!) operator: expected type bool, got expression returning type (string)'],
    ['workload.unix.pid > 1', 'parsing expression: > is not supported'],
    ['workload.unix.pid + 1 == 2', 'parsing expression: + is not supported'],
    ['-workload.unix.pid == 1', 'parsing expression: - is not supported'],
    ['ifelse(user.is_bot, 1, 2) == ifelse(user.is_bot, 1, 2)',
      'parsing expression: operator (==) can only be used when at least one operand type is known at parse time'],
    ['contains(user.traits.logins, "root")', 'parsing expression: unsupported function: contains'],
    ['regex.replace(set("a"), "a", "b").isempty()', 'parsing expression: unsupported function: regex.replace'],
    ['strings.upper()', 'parsing expression: function (strings.upper) accepts 1 argument, given 0'],
    ['strings.replaceall("a")', 'parsing expression: function (strings.replaceall) accepts 3 arguments, given 1'],
    ['user.traits.logins.contains()', 'parsing expression: function (contains) accepts 2 arguments, given 1'], // the receiver counts
    ['set("a").contains("a", "b")', 'parsing expression: function (contains) accepts 2 arguments, given 3'],
    ['regexp.replace(user.name, "a", "b").isempty()',
      'parsing expression: parsing first argument to function (regexp.replace): expected type expression.Set, got expression returning type (string)'],
    ['set("a", 1).isempty()', 'parsing expression: parsing argument 2 to function (set): expected type string, got value (1) with type (int)'],
    ['user.labels[1] == "x"', 'parsing expression: parsing key of index expression: expected type string, got value (1) with type (int)'],
    ['user.name["x"] == "y"',
      'parsing expression: cannot take index of unexpected type: expected type map[string]string, got expression returning type (string)'],
    ['user.labels == "x"', 'parsing expression: operator (==) not supported for type: typical.dynamicMapFunction'],
    ['user.name[1:2] == "x"', 'parsing expression: *ast.SliceExpr is not supported'],
    ['*user.name == "x"', 'parsing expression: *ast.StarExpr is not supported'],
    ['f()(1)', 'parsing expression: unknown function type *ast.CallExpr'],
    ['a.b.c()', 'parsing expression: expected selector identifier, got: *ast.SelectorExpr'],
    ['user.traits.logins.contains', 'parsing expression: unknown identifier: "user.traits.logins.contains"'],
    ['99999999999999999999 == workload.unix.pid',
      'parsing expression: failed to parse argument: 99999999999999999999, error: strconv.Atoi: parsing "99999999999999999999": value out of range'],
    ['0x10 == workload.unix.pid', 'parsing expression: failed to parse argument: 0x10, error: strconv.Atoi: parsing "0x10": invalid syntax'],
  ]
  for (const [src, message] of cases) {
    it(JSON.stringify(src), () => {
      assert.throws(() => parseExpression(src), (err: unknown) => {
        assert.ok(err instanceof BadParameterError, String(err))
        assert.equal(err.message, message)
        return true
      })
      assert.throws(() => validateExpression(src), {message})
    })
  }

  it('validateExpression accepts a well-formed expression without evaluating it', () => {
    validateExpression('workload.kubernetes.namespace == "default" && user.traits.logins.contains("root")')
  })
})

describe('rule expressions: evaluation errors', () => {
  const cases: Array<[string, Attributes, string]> = [
    ['workload.kubernetes.namespace == "x"', {user: botAttrs.user},
      'evaluating expression: workload.kubernetes.namespace == "x": evaluating lhs of (==) operator: workload is unset'],
    ['workload.podman.pod.labels["foo"] == "bar"', {workload: {podman: {attested: true}}},
      'evaluating expression: workload.podman.pod.labels["foo"] == "bar": evaluating lhs of (==) operator: getting value from dynamic map: workload.podman.pod is unset'],
    ['user.labels.nope == "x"', botAttrs,
      'evaluating expression: user.labels.nope == "x": evaluating lhs of (==) operator: getting value from dynamic map: no value for key: "nope"'],
    ['user.name', botAttrs, 'expression evaluated to string instead of boolean: user.name'],
    ['"chunky bacon"', botAttrs, 'expression evaluated to string instead of boolean: "chunky bacon"'],
    ['set("a")', botAttrs, 'expression evaluated to expression.Set instead of boolean: set("a")'],
    ['regexp.replace(set("a"), "(", "b").isempty()', botAttrs,
      'evaluating expression: regexp.replace(set("a"), "(", "b").isempty(): evaluating argument to function (isempty): evaluating function (regexp.replace): invalid regexp "(": failed to parse regexp "(": error parsing regexp: missing closing ): `(`'],
    ['choose(option(user.name == "x", "a")) == "a"', botAttrs,
      'evaluating expression: choose(option(user.name == "x", "a")) == "a": evaluating lhs of (==) operator: evaluating function (choose): evaluating choose expression: no option could be selected, consider adding a default option by hardcoding the condition to "true"'],
    ['ifelse(user.is_bot, workload.unix.uid, 1) == 1', botAttrs,
      'evaluating expression: ifelse(user.is_bot, workload.unix.uid, 1) == 1: evaluating lhs of (==) operator: expected type int, got value (1000) with type (uint64)'],
    ['strings.upper(1) == "x"', botAttrs,
      'evaluating expression: strings.upper(1) == "x": evaluating lhs of (==) operator: evaluating function (strings.upper): failed to evaluate argument to strings.upper: expected string or set, got value of type int'],
  ]
  for (const [src, attrs, message] of cases) {
    it(src, () => assert.throws(() => run(src, attrs), (err: unknown) => {
      assert.ok(err instanceof BadParameterError, String(err))
      assert.equal(err.message, message)
      return true
    }))
  }

  it('a Sigstore policy is refused as in Teleport Community Edition (AccessDenied)', () => {
    assert.throws(() => run('sigstore.policy_satisfied("github-provenance")'), (err: unknown) => {
      assert.ok(err instanceof AccessDeniedError)
      assert.equal(err.message, 'evaluating expression: sigstore.policy_satisfied("github-provenance"): evaluating function (sigstore.policy_satisfied): Sigstore workload attestation is only available with an enterprise license')
      return true
    })
  })

  it('a parsed expression is reused across evaluations with different attributes', () => {
    const expr = parseExpression('user.name == "a"')
    assert.equal(evaluate(expr, {user: {...botAttrs.user!, name: 'a'}}), true)
    assert.equal(evaluate(expr, {user: {...botAttrs.user!, name: 'b'}}), false)
  })
})

describe('rule expressions: Go syntax errors', () => {
  const cases: Array<[string, string]> = [
    ['set("a" "b").isempty()', "1:9: missing ',' in argument list"],
    ['set("a"', "1:8: missing ',' before newline in argument list"],
    ['set("a",).isempty()', ''],
    ['user.', "1:6: expected selector or type assertion, found 'EOF'"],
    ['user.labels["a"', "1:16: expected ']', found newline"],
    ['user.is_bot\n&& user.is_bot', "2:1: expected 'EOF', found '&&'"],
    ['"\\xZZ" == user.name', "1:4: illegal character U+005A 'Z' in escape sequence"],
    ['"\\uD800" == user.name', '1:3: escape sequence is invalid Unicode code point'],
    ['`abc', '1:1: raw string literal not terminated'],
    ['08 == workload.unix.pid', "1:2: invalid digit '8' in octal literal"],
    ['1__0 == workload.unix.pid', "1:2: '_' must separate successive digits"],
    ['0x == workload.unix.pid', '1:1: hexadecimal literal has no digits'],
    ['1e == workload.unix.pid', '1:3: exponent has no digits'],
    ['user.name == "é" @', "1:19: invalid character U+0040 '@'"], // columns count UTF-8 bytes
    ['@ == #', "1:1: invalid character U+0040 '@' (and 1 more errors)"],
  ]
  for (const [src, message] of cases) {
    it(JSON.stringify(src), () => {
      if (message === '') return assert.doesNotThrow(() => parseExpression(src))
      assert.throws(() => parseExpression(src), {message: `parsing expression: ${message}`})
    })
  }
})
