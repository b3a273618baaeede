import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { forbiddenError, type Attributes } from './attributes.ts';
import { ruleAllows, rulesCover, subjectMatches } from './rules.ts';

const alice = { name: 'alice', groups: ['dev', 'system:authenticated'] };
const res = (verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({
  user: alice,
  verb,
  resourceRequest: true,
  apiGroup: '',
  resource,
  namespace: 'dev',
  ...extra,
});

describe('RBAC rule matching', () => {
  it('matches verbs, groups, resources, subresources and names as upstream', () => {
    const r: PolicyRule = { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] };
    assert.ok(ruleAllows(res('get', 'pods'), r));
    assert.ok(ruleAllows(res('get', 'pods', { subresource: 'log' }), r));
    assert.ok(!ruleAllows(res('get', 'pods', { subresource: 'exec' }), r));
    assert.ok(!ruleAllows(res('delete', 'pods'), r));
    assert.ok(!ruleAllows(res('get', 'pods', { apiGroup: 'apps' }), r));
    assert.ok(ruleAllows(res('create', 'pods', { subresource: 'exec' }), { apiGroups: ['*'], resources: ['*/exec'], verbs: ['*'] }));
    const named: PolicyRule = { apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'], verbs: ['get'] };
    assert.ok(ruleAllows(res('get', 'configmaps', { name: 'a' }), named));
    assert.ok(!ruleAllows(res('get', 'configmaps', { name: 'b' }), named));
    assert.ok(!ruleAllows(res('get', 'configmaps'), named));
  });

  it('matches non-resource URLs exactly or by a trailing * prefix', () => {
    const r: PolicyRule = { nonResourceURLs: ['/healthz', '/apis/*'], verbs: ['get'] };
    const path = (p: string): Attributes => ({ user: alice, verb: 'get', resourceRequest: false, path: p });
    assert.ok(ruleAllows(path('/healthz'), r));
    assert.ok(ruleAllows(path('/apis/apps/v1'), r));
    assert.ok(!ruleAllows(path('/healthz/etcd'), r));
    assert.ok(!ruleAllows(path('/metrics'), r));
  });

  it('matches subjects by user, group and ServiceAccount (namespace defaulted by the binding)', () => {
    assert.ok(subjectMatches({ kind: 'User', name: 'alice' }, alice, undefined));
    assert.ok(subjectMatches({ kind: 'Group', name: 'dev' }, alice, undefined));
    const sa = { name: 'system:serviceaccount:dev:reader', groups: [] };
    assert.ok(subjectMatches({ kind: 'ServiceAccount', name: 'reader' }, sa, 'dev'));
    assert.ok(!subjectMatches({ kind: 'ServiceAccount', name: 'reader' }, sa, 'prod'));
  });

  it('decides escalation: held rules must cover every verb/resource asked for', () => {
    const held: PolicyRule[] = [{ apiGroups: [''], resources: ['pods', 'configmaps'], verbs: ['get', 'list'] }];
    assert.ok(rulesCover(held, { apiGroups: [''], resources: ['pods'], verbs: ['get'] }, alice));
    assert.ok(!rulesCover(held, { apiGroups: [''], resources: ['pods'], verbs: ['delete'] }, alice));
    assert.ok(!rulesCover(held, { apiGroups: [''], resources: ['*'], verbs: ['get'] }, alice));
    assert.ok(rulesCover([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], { apiGroups: ['apps'], resources: ['*'], verbs: ['*'] }, alice));
  });

  it('words denials as kube-apiserver does', () => {
    assert.equal(
      forbiddenError(res('list', 'pods', { namespace: 'prod' })).message,
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "prod"',
    );
    assert.equal(
      forbiddenError(res('delete', 'deployments', { apiGroup: 'apps', name: 'web' })).message,
      'deployments.apps "web" is forbidden: User "alice" cannot delete resource "deployments" in API group "apps" in the namespace "dev"',
    );
    assert.equal(
      forbiddenError(res('list', 'nodes', { namespace: undefined })).message,
      'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    assert.equal(
      forbiddenError({ user: alice, verb: 'get', resourceRequest: false, path: '/metrics' }).message,
      'forbidden: User "alice" cannot get path "/metrics"',
    );
  });
});
