import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client } from './rest-client.ts';
import { resources } from './resources.ts';
import { startFakeApiServer, type FakeApiServer } from './testing/fake-apiserver.ts';
import type { KubeObject } from './types.ts';

describe('a client given several servers', () => {
  let a: FakeApiServer;
  let b: FakeApiServer;
  let client: Client;
  before(async () => {
    a = await startFakeApiServer({ token: 't' });
    b = await startFakeApiServer({ token: 't' });
    client = createClient({ server: `${a.url},${b.url}`, token: 't' });
  });
  after(async () => {
    client.close();
    await a.close().catch(() => undefined);
    await b.close();
  });

  it('talks to the first, and to the next once the first is gone', async () => {
    await client.create(resources.configmaps, 'default', { metadata: { name: 'one' } } as KubeObject);
    assert.equal(a.requests.filter((r) => r.method === 'POST').length, 1);
    assert.equal(b.requests.length, 0);
    await a.close();
    // A read is repeated on the next server whatever went wrong; later requests stay there.
    const list = await client.list(resources.configmaps, 'default');
    assert.deepEqual(list.items, [], 'b was asked (it has no ConfigMaps; a had one)');
    await client.create(resources.configmaps, 'default', { metadata: { name: 'two' } } as KubeObject);
    assert.equal(b.requests.filter((r) => r.method === 'POST').length, 1);
    assert.equal(client.server, a.url, "the first server stays the one named (pods' KUBERNETES_SERVICE_HOST)");
  });

  it('sends a write whose connection was refused to the next server', async () => {
    const fresh = createClient({ server: `${a.url},${b.url}`, token: 't' });
    try {
      await fresh.create(resources.configmaps, 'default', { metadata: { name: 'three' } } as KubeObject);
      assert.equal((await fresh.get(resources.configmaps, 'default', 'three')).metadata?.name, 'three');
      assert.equal(b.requests.filter((r) => r.method === 'POST').length, 2);
    } finally {
      fresh.close();
    }
  });
});
