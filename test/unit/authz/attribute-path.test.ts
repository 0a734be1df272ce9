import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {BadParameterError, NotFoundError} from '../../../src/lib/errors.js'
import {lookupAttribute} from '../../../src/lib/authz/attribute-path.js'
import type {Attributes} from '../../../src/lib/authz/attributes.js'
import {botAttrs} from './fixtures.js'

describe('lookupAttribute', () => {
  const cases: Array<[string, Attributes, string]> = [
    ['user.name', botAttrs, 'bot-robot'],
    ['user.is_bot', botAttrs, 'true'],
    ['user.bot_instance_id', botAttrs, '1234-abcd'],
    ['workload.unix.uid', botAttrs, '1000'],
    ['workload.unix.pid', botAttrs, '4242'],
    ['workload.unix.attested', botAttrs, 'true'],
    ['workload.unix.binary_path', botAttrs, '/usr/bin/app'],
    ['workload.kubernetes.namespace', botAttrs, 'default'],
    ['workload.kubernetes.container.image', botAttrs, 'nginx:1'],
    ['workload.docker.container.name', botAttrs, 'c1'],
    ['workload.podman.pod.name', botAttrs, 'pod1'],
    ['workload.systemd.service', botAttrs, 'app.service'],
    ['join.meta.join_method', botAttrs, 'github'],
    ['join.github.repository', botAttrs, 'org/app'],
    ['join.gitlab.ref_protected', botAttrs, 'true'],
    ['join.gitlab.runner_id', botAttrs, '42'], // protojson int64 arrives as a string
    ['join.gcp.gce.zone', botAttrs, 'eu-1'],
    ['join.kubernetes.service_account.namespace', botAttrs, 'ns'],
    ['join.azure_devops.pipeline.organization_name', botAttrs, 'org'],
    ['join.circleci.context_ids', botAttrs, '&[c1 c2]'], // Go prints a repeated field this way
    // unset sub-messages and fields read as zero values
    ['workload.unix.uid', {}, '0'],
    ['workload.unix.attested', {}, 'false'],
    ['workload.kubernetes.namespace', {workload: {}}, ''],
    ['join.tpm.ek_cert_verified', botAttrs, 'false'],
    ['join.oracle.tenancy_id', botAttrs, ''],
    ['user.name', {}, ''],
    // maps and traits (an extension: Teleport cannot address them in conditions)
    ['user.labels.team', botAttrs, 'infra'],
    ['user.labels.nope', botAttrs, ''],
    ['user.traits.logins', botAttrs, 'root'],
    ['user.traits.nope', botAttrs, ''],
    ['user.traits.logins', {}, ''],
  ]
  for (const [path, attrs, expected] of cases) {
    it(`${path} → ${JSON.stringify(expected)}`, () => assert.equal(lookupAttribute(attrs, path), expected))
  }

  const errors: Array<[string, new (...a: never[]) => Error, string]> = [
    ['user.nmae', NotFoundError, 'attribute "nmae" not found'],
    ['workload.unix.nope', NotFoundError, 'attribute "nope" not found'],
    ['nope', NotFoundError, 'attribute "nope" not found'],
    ['', NotFoundError, 'attribute "" not found'],
    ['workload.sigstore.payloads', NotFoundError, 'attribute "sigstore" not found'],
    ['join.azure_devops.sub', NotFoundError, 'attribute "sub" not found'], // the docs' path; the proto nests it
    ['workload.unix', BadParameterError, 'attribute "unix" of type "message" cannot be converted to string'],
    ['user.labels', BadParameterError, 'attribute "labels" of type "message" cannot be converted to string'],
    ['user.traits', BadParameterError, 'attribute "traits" of type "message" cannot be converted to string'],
    ['user.name.first', BadParameterError, 'attribute "name" is not a message'],
    ['user.labels.a.b', NotFoundError, 'attribute "b" not found'],
    // a label key holding dots cannot be addressed by a dotted path
    ['workload.kubernetes.labels.app.kubernetes.io/name', NotFoundError, 'attribute "kubernetes" not found'],
    ['user.traits.groups', BadParameterError,
      'attribute "user.traits.groups" has multiple values (a, b), only single-value traits may be used in conditions'],
  ]
  for (const [path, type, message] of errors) {
    it(`${JSON.stringify(path)} is refused`, () => {
      assert.throws(() => lookupAttribute(botAttrs, path), (err: unknown) => {
        assert.ok(err instanceof type, `${String(err)}`)
        assert.equal((err as Error).message, message)
        return true
      })
    })
  }

  it('detects unknown segments even when the attributes are absent', () => {
    assert.throws(() => lookupAttribute({}, 'join.github.nope'), {message: 'attribute "nope" not found'})
  })
})
