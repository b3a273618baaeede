import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyServerSide, applyConflictMessage, applyConflictCauses, parseApplyBody, type ApplyConflict } from './server-side-apply.ts';
import { updateManagedFields } from './managed-fields.ts';
import { fakeNavigator, DEPLOYMENT } from './fake-navigator.test-helper.ts';
import { dig } from './dig.test-helper.ts';
import type { Json } from './json.ts';

const opts = (manager: string, force = false, now = '2025-01-01T00:00:00Z') => ({
  manager,
  force,
  schema: DEPLOYMENT,
  navigator: fakeNavigator,
  now,
  apiVersion: 'apps/v1',
});

const config = (image: string, replicas?: number): Json => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', labels: { app: 'd' } },
  spec: {
    ...(replicas !== undefined ? { replicas } : {}),
    selector: { matchLabels: { app: 'd' } },
    template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image }] } },
  },
});

test('apply creates the object and records an Apply entry in FieldsV1', () => {
  const { object, conflicts } = applyServerSide(undefined, config('busybox:1', 2), opts('kubectl'));
  assert.equal(conflicts, undefined);
  assert.equal(dig(object, 'spec', 'replicas'), 2);
  assert.deepEqual(dig(object, 'metadata', 'managedFields'), [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2025-01-01T00:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      },
    },
  ]);
});

test('re-apply by the same manager: no conflict, value changes, time kept on a no-op', () => {
  const first = applyServerSide(undefined, config('busybox:1', 2), opts('kubectl')).object;
  const again = applyServerSide(first, config('busybox:1', 2), opts('kubectl', false, '2025-02-02T00:00:00Z'));
  assert.equal(again.conflicts, undefined);
  assert.deepEqual(again.object, first);
  const changed = applyServerSide(first, config('busybox:2', 3), opts('kubectl', false, '2025-02-02T00:00:00Z'));
  assert.equal(changed.conflicts, undefined);
  assert.equal(dig(changed.object, 'spec', 'template', 'spec', 'containers', 0, 'image'), 'busybox:2');
  assert.equal(dig(changed.object, 'metadata', 'managedFields', 0, 'time'), '2025-02-02T00:00:00Z');
});

test("another manager's field with a different value conflicts; force takes ownership", () => {
  const created = applyServerSide(undefined, config('busybox:1', 2), opts('kubectl')).object;
  const res = applyServerSide(created, config('busybox:9', 5), opts('other'));
  assert.deepEqual(res.object, created);
  assert.deepEqual(
    res.conflicts?.map((c) => c.field),
    ['.spec.replicas', '.spec.template.spec.containers[name="c"].image'],
  );
  assert.equal(
    applyConflictMessage(res.conflicts ?? []),
    'Apply failed with 2 conflicts: conflicts with "kubectl":\n- .spec.replicas\n- .spec.template.spec.containers[name="c"].image',
  );
  assert.deepEqual(applyConflictCauses(res.conflicts ?? [])[0], {
    type: 'FieldManagerConflict',
    message: 'conflict with "kubectl"',
    field: '.spec.replicas',
  });

  // Same values: shared ownership, no conflict.
  const shared = applyServerSide(created, config('busybox:1', 2), opts('other'));
  assert.equal(shared.conflicts, undefined);
  assert.equal((dig(shared.object, 'metadata', 'managedFields') as Json[]).length, 2);

  const forced = applyServerSide(created, config('busybox:9', 5), opts('other', true));
  assert.equal(forced.conflicts, undefined);
  assert.equal(dig(forced.object, 'spec', 'replicas'), 5);
  const kubectl = dig(forced.object, 'metadata', 'managedFields', 0, 'fieldsV1', 'f:spec');
  assert.equal(dig(kubectl, 'f:replicas'), undefined);
  assert.equal(dig(forced.object, 'metadata', 'managedFields', 1, 'manager'), 'other');
  assert.deepEqual(dig(forced.object, 'metadata', 'managedFields', 1, 'fieldsV1', 'f:spec', 'f:replicas'), {});
});

test('conflict with an Update manager is printed with its apiVersion (upstream format)', () => {
  const created = applyServerSide(undefined, config('busybox:1'), opts('kubectl')).object;
  const scaled = { ...(created as object), spec: { ...(dig(created, 'spec') as object), replicas: 3 } };
  const updated = updateManagedFields(created, scaled, {
    manager: 'kubectl-client-side-apply',
    apiVersion: 'v1',
    now: '2025-01-02T00:00:00Z',
    schema: DEPLOYMENT,
    navigator: fakeNavigator,
  });
  const res = applyServerSide(updated, config('busybox:1', 2), opts('kubectl'));
  assert.equal(applyConflictMessage(res.conflicts ?? []), 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.replicas');
});

test('a field dropped from the applied config is removed unless someone else owns it', () => {
  const created = applyServerSide(undefined, config('busybox:1', 2), opts('kubectl')).object;
  const dropped = applyServerSide(created, config('busybox:1'), opts('kubectl'));
  assert.equal(dropped.conflicts, undefined);
  assert.equal(dig(dropped.object, 'spec', 'replicas'), undefined);

  const both = applyServerSide(created, config('busybox:1', 2), opts('other')).object;
  const kept = applyServerSide(both, config('busybox:1'), opts('kubectl'));
  assert.equal(dig(kept.object, 'spec', 'replicas'), 2);
});

test('removing a container from the applied config removes the list item', () => {
  const two: Json = {
    ...(config('a') as object),
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'c', image: 'a' },
            { name: 's', image: 'b' },
          ],
        },
      },
    },
  };
  const one: Json = { ...(config('a') as object), spec: { template: { spec: { containers: [{ name: 'c', image: 'a' }] } } } };
  const created = applyServerSide(undefined, two, opts('kubectl')).object;
  const res = applyServerSide(created, one, opts('kubectl'));
  assert.deepEqual(dig(res.object, 'spec', 'template', 'spec', 'containers'), [{ name: 'c', image: 'a' }]);
});

test('updateManagedFields records changed leaves, with `.` for new map entries and list items', () => {
  const created = applyServerSide(undefined, config('busybox:1', 2), opts('kubectl')).object;
  const edited: Json = structuredClone(created);
  const e = edited as { metadata: { annotations?: Record<string, string> }; spec: { replicas: number } };
  e.metadata.annotations = { note: 'x' };
  e.spec.replicas = 4;
  const out = updateManagedFields(created, edited, {
    manager: 'kubectl-edit',
    apiVersion: 'apps/v1',
    now: '2025-03-03T00:00:00Z',
    schema: DEPLOYMENT,
    navigator: fakeNavigator,
  });
  const entries = dig(out, 'metadata', 'managedFields') as Json[];
  assert.equal(entries.length, 2);
  assert.deepEqual(dig(entries[1], 'fieldsV1'), {
    'f:metadata': { 'f:annotations': { '.': {}, 'f:note': {} } },
    'f:spec': { 'f:replicas': {} },
  });
  assert.equal(dig(entries[1], 'operation'), 'Update');
  // Updates never conflict: the applier lost replicas.
  assert.equal(dig(entries[0], 'fieldsV1', 'f:spec', 'f:replicas'), undefined);
  // A write that changes nothing leaves managedFields as they were.
  assert.deepEqual(
    updateManagedFields(out, out, {
      manager: 'x',
      apiVersion: 'apps/v1',
      now: '2030-01-01T00:00:00Z',
      schema: DEPLOYMENT,
      navigator: fakeNavigator,
    }),
    out,
  );
});

test('parseApplyBody accepts YAML and JSON', () => {
  assert.deepEqual(parseApplyBody('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } });
  assert.deepEqual(parseApplyBody('{"kind":"Pod"}'), { kind: 'Pod' });
  assert.throws(() => parseApplyBody('- 1'));
});

test('conflict message groups several managers sorted by name', () => {
  const c = (manager: string, field: string, operation: 'Apply' | 'Update' = 'Apply'): ApplyConflict => ({ manager, operation, apiVersion: 'v1', field });
  assert.equal(
    applyConflictMessage([c('b', '.x'), c('a', '.y', 'Update'), c('b', '.z')]),
    'Apply failed with 3 conflicts: conflicts with "a" using v1:\n- .y\nconflicts with "b":\n- .x\n- .z',
  );
});

test('kubectl takes over what it applied client-side while the live value still matches last-applied', () => {
  const LAST = 'kubectl.kubernetes.io/last-applied-configuration';
  const csa = (image: string): Json => {
    const c = config(image, 2) as { metadata: Record<string, unknown> };
    return { ...c, metadata: { ...c.metadata, annotations: { [LAST]: JSON.stringify(config(image, 2)) } } };
  };
  const live = updateManagedFields(undefined, csa('busybox:1'), {
    manager: 'kubectl-client-side-apply',
    apiVersion: 'apps/v1',
    now: '2025-01-02T00:00:00Z',
    schema: DEPLOYMENT,
    navigator: fakeNavigator,
  });
  const moved = applyServerSide(live, config('busybox:2', 2), opts('kubectl'));
  assert.equal(moved.conflicts, undefined);
  assert.equal(dig(moved.object, 'spec', 'template', 'spec', 'containers', 0, 'image'), 'busybox:2');
  const annotation = JSON.parse(String(dig(moved.object, 'metadata', 'annotations', LAST))) as Json;
  assert.equal(dig(annotation, 'spec', 'template', 'spec', 'containers', 0, 'image'), 'busybox:2', 'the annotation follows');

  // Another manager name does not get the upgrade.
  assert.equal(applyServerSide(live, config('busybox:2', 2), opts('my-tool')).conflicts?.length, 1);
  // A value someone changed since the client-side apply is still a conflict.
  const edited = { ...(live as object), spec: { ...(dig(live, 'spec') as object), replicas: 5 } };
  const drifted = updateManagedFields(live, edited, {
    manager: 'kubectl-edit',
    apiVersion: 'apps/v1',
    now: '2025-01-03T00:00:00Z',
    schema: DEPLOYMENT,
    navigator: fakeNavigator,
  });
  assert.equal(
    applyConflictMessage(applyServerSide(drifted, config('busybox:1', 3), opts('kubectl')).conflicts ?? []),
    'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas',
  );
});
