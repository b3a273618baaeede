// No acknowledged write is lost: kill -9 the server during a stream of writes, restart it on the
// same data dir, and every write that got a 201 is there; resourceVersions keep increasing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, API_ONLY, startServer } from './harness.ts';

describe('crash safety', () => {
  it('keeps every acknowledged write across kill -9 and restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'peapod-crash-'));
    try {
      const first = await startServer({ dataDir, args: API_ONLY });
      const acked: string[] = [];
      let maxRv = 0;
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const name = `w${w}-${i}`;
          try {
            const r = await api(first, 'POST', '/api/v1/namespaces/default/configmaps', {
              body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } },
            });
            if (r.status === 201) {
              acked.push(name);
              maxRv = Math.max(maxRv, Number(r.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion));
            }
          } catch {
            return; // connection died with the server
          }
        }
      };
      const writers = [0, 1, 2, 3].map((w) => writer(w));
      await new Promise((r) => setTimeout(r, 1500));
      await first.kill9();
      stop = true;
      await Promise.all(writers);
      assert.ok(acked.length > 20, `only ${acked.length} writes were acknowledged`);

      const second = await startServer({ dataDir, args: API_ONLY });
      try {
        const list = await api(second, 'GET', '/api/v1/namespaces/default/configmaps');
        const body = list.json<{ metadata: { resourceVersion: string }; items: { metadata: { name: string } }[] }>();
        const names = new Set(body.items.map((i) => i.metadata.name));
        const missing = acked.filter((n) => !names.has(n));
        assert.deepEqual(missing, [], `${missing.length} acknowledged writes lost`);
        assert.ok(Number(body.metadata.resourceVersion) >= maxRv);
        const created = await api(second, 'POST', '/api/v1/namespaces/default/configmaps', {
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' } },
        });
        assert.equal(created.status, 201);
        assert.ok(Number(created.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion) > maxRv);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
