import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goPlatform } from './platform.ts';

test('platform in GOOS/GOARCH words', () => {
  assert.equal(goPlatform('linux', 'x64'), 'linux/amd64');
  assert.equal(goPlatform('linux', 'arm64'), 'linux/arm64');
  assert.equal(goPlatform('win32', 'ia32'), 'windows/386');
  assert.equal(goPlatform('darwin', 'arm64'), 'darwin/arm64');
});
