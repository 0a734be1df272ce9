import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {BadParameterError} from '../../../src/lib/errors.js'
import type {Attributes} from '../../../src/lib/authz/attributes.js'
import {MAX_CLAIMS_DEPTH, parseTemplate, renderTemplate, templateExtraClaims} from '../../../src/lib/authz/template.js'
import type {JsonObject, JsonValue} from '../../../src/lib/resources/types.js'
import {botAttrs} from './fixtures.js'

describe('renderTemplate', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['/plain/path', '/plain/path'],
    ['{{user.name}}', 'bot-robot'],
    ['{{ user.name }}', 'bot-robot'],
    ['{{user.name}} {{user.bot_name}}', 'bot-robot robot'],
    ['/u/{{user.bot_instance_id}}/x', '/u/1234-abcd/x'],
    ['{{user.is_bot}}', 'true'],
    ['{{ }}', ''],
    ['a{{  }}b', 'ab'],
    ['look at my mustache :-{{)', 'look at my mustache :-{{)'],
    ['{{user.name}', '{{user.name}'],
    ['{{1234}}', '1234'],
    ['{{ "a" == "a" }}', 'true'],
    ['{{"lit"}}', 'lit'],
    // each attribute family
    ['{{workload.unix.pid}}', '4242'],
    ['{{workload.unix.binary_hash}}', 'abc123'],
    ['{{workload.kubernetes.namespace}}/{{workload.kubernetes.service_account}}', 'default/web'],
    ['{{workload.kubernetes.labels["app.kubernetes.io/name"]}}', 'web'],
    ['{{workload.kubernetes.container.image_digest}}', 'sha256:aa'],
    ['{{workload.docker.container.labels.tier}}', 'back'],
    ['{{workload.podman.pod.labels.zone}}', 'eu'],
    ['{{workload.systemd.service}}', 'app.service'],
    ['{{user.labels.team}}', 'infra'],
    ['{{user.traits.logins}}', 'root'],
    ['{{join.meta.join_method}}', 'github'],
    ['{{join.github.repository}}', 'org/app'],
    ['{{join.gitlab.runner_id}}', '42'],
    ['{{join.gitlab.ref_protected}}', 'true'],
    ['{{join.gcp.gce.project}}', 'proj'],
    ['{{join.kubernetes.service_account.name}}', 'sa'],
    ['{{join.azure_devops.pipeline.sub}}', 'p:1'],
    // functions
    ['{{strings.upper(user.bot_name)}}', 'ROBOT'],
    ['{{strings.lower("ABC")}}', 'abc'],
    ['{{strings.replaceall(join.github.repository, "/", "-")}}', 'org-app'],
    ['{{ifelse(user.is_bot, "bot", "human")}}', 'bot'],
    ['/svc/{{ strings.lower(workload.kubernetes.pod_name) }}', '/svc/web-0'],
  ]
  for (const [tmpl, expected] of cases) it(`${JSON.stringify(tmpl)} → ${JSON.stringify(expected)}`, () => assert.equal(renderTemplate(tmpl, botAttrs), expected))

  it('renders uint attributes (Teleport refuses them; svidkit prints their decimal value)', () => {
    assert.equal(renderTemplate('{{workload.unix.uid}}', botAttrs), '1000')
  })

  it('renders zero values of ints and bools', () => {
    const attrs: Attributes = {workload: {unix: {attested: false, pid: 0}}}
    assert.equal(renderTemplate('{{workload.unix.pid}}:{{workload.unix.attested}}', attrs), '0:false')
  })

  const errors: Array<[string, Attributes, string]> = [
    ['/{{workload.kubernetes.pod_name}}', {workload: {}}, 'evaluating expression: workload.kubernetes.pod_name: workload.kubernetes is unset'],
    ['/{{ workload.kubernetes.pod_name }}', {workload: {kubernetes: {attested: true}}},
      'evaluating expression:  workload.kubernetes.pod_name : workload.kubernetes.pod_name is unset'],
    ['{{user.name}}', {}, 'evaluating expression: user.name: user is unset'],
    ['{{workload.kubernetes.labels.foo}}', {workload: {kubernetes: {attested: true, labels: {bar: 'baz'}}}},
      'evaluating expression: workload.kubernetes.labels.foo: getting value from dynamic map: no value for key: "foo"'],
    ['{{user.traits.foo}}', botAttrs, 'evaluating expression: user.traits.foo: getting value from dynamic map: no value for trait: "foo"'],
    ['{{user.traits.groups}}', botAttrs,
      'evaluating expression: user.traits.groups: getting value from dynamic map: trait `groups` has multiple values (a, b), only single-value traits may be used in a template'],
    ['{{set("a")}}', botAttrs, 'expression did not evaluate to a string: set("a")'],
    ['{{1.5}}', botAttrs, 'expression did not evaluate to a string: 1.5'],
    ['/x/{{foo.bar}}', botAttrs, 'parsing expression [5:12]: foo.bar: parsing expression: unknown identifier: "foo.bar"'],
    ['é{{user.nope}}', botAttrs, 'parsing expression [4:13]: user.nope: parsing expression: unknown identifier: "user.nope"'],
    ['{{user.name ==}}', botAttrs, 'parsing expression [2:14]: user.name ==: parsing expression: 1:13: expected operand, found \'EOF\''],
  ]
  for (const [tmpl, attrs, message] of errors) {
    it(`${JSON.stringify(tmpl)} is refused`, () => {
      assert.throws(() => renderTemplate(tmpl, attrs), (err: unknown) => {
        assert.ok(err instanceof BadParameterError, String(err))
        assert.equal(err.message, message)
        return true
      })
    })
  }

  it('parses once and keeps literal and expression fragments in order', () => {
    const t = parseTemplate('/a/{{user.name}}/b/{{ user.bot_name }}')
    assert.deepEqual(t.fragments.map((f) => ('literal' in f ? f.literal : `<${f.text}>`)), ['/a/', '<user.name>', '/b/', '< user.bot_name >'])
  })
})

describe('templateExtraClaims', () => {
  it('renders every string leaf and passes numbers, booleans and nulls through', () => {
    const claims: JsonObject = {
      'simple-string': 'hello world',
      'simple-number': 1234,
      'simple-bool': true,
      'null': null,
      'object': {
        message: 'hello, {{user.name}}',
        workload: {podman: {pod_name: '{{workload.podman.pod.name}}', labels: ['{{workload.podman.pod.labels["zone"]}}', 'c', 7]}},
      },
    }
    assert.deepEqual(templateExtraClaims(claims, botAttrs), {
      'simple-string': 'hello world',
      'simple-number': 1234,
      'simple-bool': true,
      'null': null,
      'object': {message: 'hello, bot-robot', workload: {podman: {pod_name: 'pod1', labels: ['eu', 'c', 7]}}},
    })
  })

  it('names the failing claim with its path', () => {
    const claims: JsonObject = {foo: {bar: {baz: ['a', {b: '{{blah}}'}, 'c']}}}
    assert.throws(() => templateExtraClaims(claims, botAttrs), {
      message: 'templating claim: foo.bar.baz[1].b: parsing expression [2:6]: blah: parsing expression: unknown identifier: "blah"',
    })
  })

  function nested(levels: number): JsonObject {
    let value: JsonValue = 'very deep'
    for (let i = levels; i >= 1; i--) value = {[String(i)]: value}
    return value as JsonObject
  }

  it(`accepts values nested ${MAX_CLAIMS_DEPTH - 1} levels deep`, () => {
    assert.deepEqual(templateExtraClaims(nested(MAX_CLAIMS_DEPTH - 1), botAttrs), nested(MAX_CLAIMS_DEPTH - 1))
  })

  it(`refuses a value nested ${MAX_CLAIMS_DEPTH} levels deep`, () => {
    assert.throws(() => templateExtraClaims(nested(MAX_CLAIMS_DEPTH), botAttrs), (err: unknown) => {
      assert.ok(err instanceof BadParameterError)
      assert.equal(err.message, 'extra_claims cannot contain more than 10 levels of nesting')
      return true
    })
  })

  it('counts list nesting too', () => {
    let value: JsonValue = 'x'
    for (let i = 0; i < 9; i++) value = [value]
    assert.throws(() => templateExtraClaims({a: value}, botAttrs), {message: 'extra_claims cannot contain more than 10 levels of nesting'})
  })
})
