// The storage contract against real etcd processes: one member, then a 3-member cluster on loopback.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CompactedError } from '../backend.ts';
import { describeBackend } from '../backend.contract.ts';
import { openEtcdBackend } from './etcd-backend.ts';
import { type EtcdCluster, startEtcd } from './etcd-process.ts';

const skip = etcdSkipReason();

/** Each `open` gets its own key prefix, so every test starts from an empty store. */
function contractOn(name: string, members: number): void {
  let cluster: EtcdCluster | undefined;
  let opened = 0;
  describe(name, { skip }, () => {
    before(async () => {
      cluster = await startEtcd({ members });
    });
    after(async () => {
      await cluster?.close();
    });
    describeBackend(name, () => openEtcdBackend({ endpoints: cluster!.endpoints, prefix: `/contract-${opened++}`, apiRoot: '' }));
  });
}

contractOn('etcd, 1 member', 1);
contractOn('etcd, 3 members', 3);

describe('etcd backend', { skip }, () => {
  let cluster: EtcdCluster;
  before(async () => {
    cluster = await startEtcd();
  });
  after(async () => {
    await cluster?.close();
  });

  it('stores objects under the upstream key layout and --etcd-prefix', async () => {
    const backend = await openEtcdBackend({ endpoints: cluster.endpoints });
    const custom = await openEtcdBackend({ endpoints: cluster.endpoints, prefix: '/custom' });
    try {
      assert.ok((await backend.create('/registry/pods/default/web', '{}')).ok);
      assert.ok((await custom.create('/registry/pods/default/web', '{"x":1}')).ok);
      const raw = await rawKeys(cluster.endpoints[0]!);
      assert.ok(raw.includes('/registry/pods/default/web'), raw.join(' '));
      assert.ok(raw.includes('/custom/pods/default/web'), raw.join(' '));
      assert.equal((await custom.get('/registry/pods/default/web'))?.value, '{"x":1}');
    } finally {
      await backend.close();
      await custom.close();
    }
  });

  it("a second backend on the same etcd sees the first one's writes, revisions and compaction", async () => {
    const a = await openEtcdBackend({ endpoints: cluster.endpoints, prefix: '/shared' });
    const events: string[] = [];
    const b = await openEtcdBackend({ endpoints: cluster.endpoints, prefix: '/shared' });
    const abort = new AbortController();
    try {
      await b.watch('/registry/', (e) => events.push(`${e.type} ${e.kv.key}`), { fromRevision: b.currentRevision(), signal: abort.signal });
      const written = await a.create('/registry/x/1', 'one');
      assert.ok(written.ok);
      assert.deepEqual(await b.get('/registry/x/1'), written.kv);
      for (let i = 0; i < 50 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(events, ['put /registry/x/1']);
      await a.compact(written.revision);
      const c = await openEtcdBackend({ endpoints: cluster.endpoints, prefix: '/shared' });
      assert.equal(c.compactRevision(), written.revision, 'a new backend learns the compacted revision');
      assert.ok(c.currentRevision() >= written.revision);
      await c.close();
    } finally {
      abort.abort();
      await a.close();
      await b.close();
    }
  });
});

describe('etcd auto-compaction', { skip }, () => {
  it('two servers on one etcd compact to the window between them, and old reads then get CompactedError', async () => {
    const cluster = await startEtcd();
    const options = { endpoints: cluster.endpoints, prefix: '/auto', compactWindow: 5, compactIntervalMs: 50 };
    const a = await openEtcdBackend(options);
    const b = await openEtcdBackend(options);
    try {
      let kv = await a.create('/registry/k', '0');
      const first = kv.ok ? kv.revision : assert.fail('create');
      for (let i = 1; i <= 20; i++) {
        assert.ok(kv.ok);
        kv = await a.update('/registry/k', String(i), kv.revision);
      }
      await b.get('/registry/k'); // b learns the current revision too
      const last = kv.ok ? kv.revision : 0;
      const compacted = (): number => Math.max(a.compactRevision(), b.compactRevision());
      for (let i = 0; i < 100 && compacted() < last - 5; i++) await new Promise((r) => setTimeout(r, 50));
      // Each round's own compact_rev_key write takes a revision, so the window is counted from the
      // revision the round saw.
      assert.ok(compacted() >= last - 5, `compacted to ${compacted()}, last write ${last}`);
      await assert.rejects(b.list('/registry/', { revision: first }), CompactedError);
      assert.equal((await b.get('/registry/k'))?.value, '20');
    } finally {
      await a.close();
      await b.close();
      await cluster.close();
    }
  });
});

async function rawKeys(endpoint: string): Promise<string[]> {
  // etcd's JSON gateway: range over everything, keys only.
  const res = await fetch(`${endpoint}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from([0]).toString('base64'), range_end: Buffer.from([0]).toString('base64'), keys_only: true }),
  });
  const body = (await res.json()) as { kvs?: { key: string }[] };
  return (body.kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64').toString('utf8'));
}

function etcdSkipReason(): string | false {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'etcd is not installed (Debian etcd-server; scripts/install-deps.sh installs it)';
  }
}
