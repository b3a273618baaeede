import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { writeKubeconfig } from './index.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

async function written(options: Parameters<typeof writeKubeconfig>[1]): Promise<{ doc: unknown; mode: number }> {
  const root = await mkdtemp(join(tmpdir(), 'peapod-kubeconfig-'));
  try {
    const path = join(root, 'nested', 'kubeconfig');
    await writeKubeconfig(path, options);
    return { doc: parse(await readFile(path, 'utf8')), mode: (await stat(path)).mode & 0o777 };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

describe('writeKubeconfig', () => {
  it('writes a standard v1 Config with defaults, mode 0600', async () => {
    const { doc, mode } = await written({ caPem: CA, token: 'tok' });
    assert.equal(mode, 0o600);
    assert.deepEqual(doc, {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'peapod', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from(CA).toString('base64') } }],
      users: [{ name: 'admin', user: { token: 'tok' } }],
      contexts: [{ name: 'peapod', context: { cluster: 'peapod', user: 'admin' } }],
      'current-context': 'peapod',
      preferences: {},
    });
  });

  it('honours custom names, server and namespace', async () => {
    const { doc } = await written({
      caPem: CA,
      token: 'tok',
      server: 'https://10.0.0.1:7443',
      clusterName: 'c',
      user: 'u',
      context: 'ctx',
      namespace: 'ns',
    });
    assert.deepEqual(doc, {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:7443', 'certificate-authority-data': Buffer.from(CA).toString('base64') } }],
      users: [{ name: 'u', user: { token: 'tok' } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'ns' } }],
      'current-context': 'ctx',
      preferences: {},
    });
  });
});
