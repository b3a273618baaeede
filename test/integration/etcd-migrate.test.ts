// `peapod migrate`: a cluster that ran on SQLite moves to etcd with its objects, CA and token.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { type EtcdCluster, startEtcd } from '../../src/storage/etcd/etcd-process.ts';
import { API_ONLY, kubectlOk, startServer } from './harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const skip = (() => {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'etcd is not installed (Debian etcd-server; scripts/install-deps.sh installs it)';
  }
})();

describe('peapod migrate', { skip }, () => {
  let etcd: EtcdCluster;
  const dataDir = mkdtempSync(join(tmpdir(), 'peapod-migrate-'));
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('copies a SQLite cluster into etcd; the same kubeconfig then reads it from an etcd-backed server', async () => {
    const sqlite = await startServer({ dataDir, args: API_ONLY });
    await kubectlOk(sqlite, ['create', 'configmap', 'kept', '--from-literal=k=v']);
    await kubectlOk(sqlite, ['create', 'namespace', 'team-a']);
    const uid = await kubectlOk(sqlite, ['get', 'configmap', 'kept', '-o', 'jsonpath={.metadata.uid}']);
    await sqlite.stop();

    const servers = etcd.endpoints.join(',');
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'bin/peapod.js'), 'migrate', '--from', dataDir, '--etcd-servers', servers]);
    assert.match(stdout, /copied \d+ objects into etcd/);

    const onEtcd = await startServer({ dataDir, args: [...API_ONLY, '--etcd-servers', servers] });
    try {
      assert.equal(await kubectlOk(onEtcd, ['get', 'configmap', 'kept', '-o', 'jsonpath={.metadata.uid} {.data.k}']), `${uid} v`);
      assert.match(await kubectlOk(onEtcd, ['get', 'namespace', 'team-a']), /team-a\s+Active/);
    } finally {
      await onEtcd.stop();
    }
    // A second run finds everything there and changes nothing.
    const again = await promisify(execFile)(process.execPath, [join(ROOT, 'bin/peapod.js'), 'migrate', '--from', dataDir, '--etcd-servers', servers]);
    assert.match(again.stdout, /copied 0 objects into etcd; [1-9]\d* already there/);
  });
});
