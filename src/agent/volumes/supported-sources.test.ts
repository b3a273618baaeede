import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unsupportedVolumeSource } from './supported-sources.ts';

const lists = { volume: ['emptyDir', 'projected'], projected: ['configMap'] };

test('a volume source outside the list is named, never ignored', () => {
  assert.equal(unsupportedVolumeSource({ name: 'a', emptyDir: {} }, lists), undefined);
  assert.equal(
    unsupportedVolumeSource({ name: 'b', nfs: { server: '127.0.0.1', path: '/x' } }, lists),
    'no volume plugin matched: nfs volumes are not supported by this node (supported: emptyDir, projected)',
  );
  assert.equal(
    unsupportedVolumeSource({ name: 'c', projected: { sources: [{ configMap: { name: 'x' } }, { serviceAccountToken: { path: 'token' } }] } }, lists),
    'projected volume source serviceAccountToken is not supported by this node (supported: configMap)',
  );
  assert.equal(unsupportedVolumeSource({ name: 'd', projected: { sources: [{ configMap: { name: 'x' } }] } }, lists), undefined);
});

test('the default list covers what the agent sets up', () => {
  for (const vol of [
    { emptyDir: {} },
    { hostPath: { path: '/tmp' } },
    { configMap: { name: 'x' } },
    { secret: { secretName: 'x' } },
    { downwardAPI: {} },
    { projected: { sources: [{ downwardAPI: {} }] } },
  ]) {
    assert.equal(unsupportedVolumeSource({ name: 'v', ...vol }), undefined, JSON.stringify(vol));
  }
  assert.match(
    unsupportedVolumeSource({ name: 'v', iscsi: { targetPortal: '127.0.0.1', iqn: 'iqn.2001-04.com.example:x', lun: 0 } }) ?? '',
    /iscsi volumes are not supported/,
  );
});
