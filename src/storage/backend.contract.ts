// The behaviour every Backend must show, as one node:test suite. Each backend's test file runs it:
//   describeBackend('sqlite', () => openSqliteBackend({ path }));
// `open` must return a fresh, empty backend each call. Test-only: import by path, not from index.ts.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type Backend, CompactedError, type KeyValue, type WatchEvent } from './backend.ts';

/** Collects watch events; `waitFor` resolves once `n` have arrived (fails after a timeout). */
function collector(): { events: WatchEvent[]; onEvent: (e: WatchEvent) => void; waitFor(n: number): Promise<void> } {
  const events: WatchEvent[] = [];
  let wake: (() => void) | undefined;
  return {
    events,
    onEvent: (e) => {
      events.push(e);
      wake?.();
    },
    async waitFor(n) {
      const deadline = Date.now() + 5000;
      while (events.length < n) {
        if (Date.now() > deadline) assert.fail(`expected ${n} watch events, got ${events.length}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

function summary(e: WatchEvent): string {
  return `${e.type} ${e.kv.key}=${e.kv.value} prev=${e.prev?.value ?? '-'}`;
}

async function mustCreate(backend: Backend, key: string, value: string): Promise<KeyValue> {
  const result = await backend.create(key, value);
  assert.ok(result.ok, `create ${key}`);
  return result.kv;
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
}

export function describeBackend(name: string, open: () => Promise<Backend>): void {
  describe(`Backend contract: ${name}`, () => {
    let backend: Backend;
    const watches: AbortController[] = [];
    const watch = (prefix: string, onEvent: (e: WatchEvent) => void, fromRevision: number): Promise<AbortController> => {
      const controller = new AbortController();
      watches.push(controller);
      return backend.watch(prefix, onEvent, { fromRevision, signal: controller.signal }).then(() => controller);
    };

    beforeEach(async () => {
      backend = await open();
    });
    afterEach(async () => {
      for (const controller of watches.splice(0)) controller.abort();
      await backend.close();
    });

    it('creates, gets, and refuses a duplicate create with the current value', async () => {
      const kv = await mustCreate(backend, '/registry/pods/default/a', 'v1');
      assert.equal(kv.createRevision, kv.modRevision);
      assert.deepEqual(await backend.get('/registry/pods/default/a'), kv);
      assert.equal(await backend.get('/registry/pods/default/missing'), undefined);
      assert.deepEqual(await backend.create('/registry/pods/default/a', 'v2'), { ok: false, current: kv });
    });

    it('updates with compare-and-swap on modRevision', async () => {
      const created = await mustCreate(backend, '/k', 'v1');
      const updated = await backend.update('/k', 'v2', created.modRevision);
      assert.ok(updated.ok);
      assert.equal(updated.kv.value, 'v2');
      assert.equal(updated.kv.createRevision, created.createRevision);
      assert.ok(updated.kv.modRevision > created.modRevision);
      assert.equal(updated.revision, updated.kv.modRevision);
      assert.deepEqual(await backend.update('/k', 'stale', created.modRevision), { ok: false, current: updated.kv });
      assert.deepEqual(await backend.update('/absent', 'x', created.modRevision), { ok: false, current: undefined });
      assert.equal((await backend.get('/k'))?.value, 'v2');
    });

    it('deletes with compare-and-swap and allows a re-create', async () => {
      const created = await mustCreate(backend, '/k', 'v1');
      const updated = await backend.update('/k', 'v2', created.modRevision);
      assert.ok(updated.ok);
      assert.deepEqual(await backend.delete('/k', created.modRevision), { ok: false, current: updated.kv });
      const deleted = await backend.delete('/k', updated.kv.modRevision);
      assert.ok(deleted.ok);
      assert.deepEqual(deleted.prev, updated.kv);
      assert.ok(deleted.revision > updated.kv.modRevision);
      assert.equal(await backend.get('/k'), undefined);
      assert.deepEqual(await backend.delete('/k', deleted.revision), { ok: false, current: undefined });
      assert.deepEqual(await backend.update('/k', 'v3', deleted.revision), { ok: false, current: undefined });
      const again = await mustCreate(backend, '/k', 'v4');
      assert.equal(again.createRevision, again.modRevision);
      assert.ok(again.modRevision > deleted.revision);
    });

    it('lists a prefix in key order, with limit, startAfter and remaining', async () => {
      for (const key of ['/a/3', '/a/1', '/ab/x', '/a/2', '/b/1', '/a/4']) await mustCreate(backend, key, key);
      const all = await backend.list('/a/');
      assert.deepEqual(
        all.items.map((kv) => kv.key),
        ['/a/1', '/a/2', '/a/3', '/a/4'],
      );
      assert.equal(all.remaining, 0);
      assert.equal(all.revision, backend.currentRevision());
      const page1 = await backend.list('/a/', { limit: 3 });
      assert.deepEqual(
        page1.items.map((kv) => kv.key),
        ['/a/1', '/a/2', '/a/3'],
      );
      assert.equal(page1.remaining, 1);
      const page2 = await backend.list('/a/', { limit: 3, startAfter: '/a/3', revision: page1.revision });
      assert.deepEqual(
        page2.items.map((kv) => kv.key),
        ['/a/4'],
      );
      assert.equal(page2.remaining, 0);
      const exact = await backend.list('/a/', { limit: 4 });
      assert.equal(exact.remaining, 0);
      // Without a count, remaining still tells whether more keys follow.
      const uncounted = await backend.list('/a/', { limit: 2, countRemaining: false });
      assert.deepEqual(
        uncounted.items.map((kv) => kv.key),
        ['/a/1', '/a/2'],
      );
      assert.ok(uncounted.remaining > 0);
      assert.equal((await backend.list('/a/', { limit: 4, countRemaining: false })).remaining, 0);
      assert.equal((await backend.list('/')).items.length, 6);
      assert.deepEqual((await backend.list('/c/')).items, []);
    });

    it('lists at an older revision', async () => {
      const a = await mustCreate(backend, '/p/a', 'a1');
      const b = await mustCreate(backend, '/p/b', 'b1');
      const before = backend.currentRevision();
      assert.ok((await backend.update('/p/a', 'a2', a.modRevision)).ok);
      assert.ok((await backend.delete('/p/b', b.modRevision)).ok);
      await mustCreate(backend, '/p/c', 'c1');
      const old = await backend.list('/p/', { revision: before });
      assert.equal(old.revision, before);
      assert.deepEqual(old.items, [a, b]);
      const now = await backend.list('/p/');
      assert.deepEqual(
        now.items.map((kv) => `${kv.key}=${kv.value}`),
        ['/p/a=a2', '/p/c=c1'],
      );
      const first = await backend.list('/p/', { revision: a.modRevision });
      assert.deepEqual(first.items, [a]);
      // A page counts live keys only: the deleted /p/b neither fills the limit nor counts as remaining.
      const page = await backend.list('/p/', { limit: 1 });
      assert.deepEqual(
        page.items.map((kv) => `${kv.key}=${kv.value}`),
        ['/p/a=a2'],
      );
      assert.equal(page.remaining, 1);
      const rest = await backend.list('/p/', { limit: 1, startAfter: '/p/a', revision: page.revision });
      assert.deepEqual(
        rest.items.map((kv) => kv.key),
        ['/p/c'],
      );
      assert.equal(rest.remaining, 0);
    });

    it('keeps one global, strictly increasing revision', async () => {
      const start = backend.currentRevision();
      const revisions: number[] = [];
      const x = await mustCreate(backend, '/x', '1');
      revisions.push(x.modRevision);
      const y = await mustCreate(backend, '/y', '1');
      revisions.push(y.modRevision);
      const x2 = await backend.update('/x', '2', x.modRevision);
      assert.ok(x2.ok);
      revisions.push(x2.revision);
      const yDeleted = await backend.delete('/y', y.modRevision);
      assert.ok(yDeleted.ok);
      revisions.push(yDeleted.revision);
      assert.ok(revisions[0]! > start);
      for (let i = 1; i < revisions.length; i++) assert.ok(revisions[i]! > revisions[i - 1]!, `${revisions}`);
      assert.equal(backend.currentRevision(), revisions.at(-1));
      assert.equal((await backend.create('/x', 'dup')).ok, false);
      assert.equal(backend.currentRevision(), revisions.at(-1), 'a failed write takes no revision');
    });

    it('watch replays history, then live events, in order, exactly once', async () => {
      const start = backend.currentRevision();
      const a = await mustCreate(backend, '/w/a', 'a1');
      await mustCreate(backend, '/w/b', 'b1');
      const c = collector();
      await watch('/w/', c.onEvent, start);
      assert.ok((await backend.update('/w/a', 'a2', a.modRevision)).ok);
      await mustCreate(backend, '/w/c', 'c1');
      await c.waitFor(4);
      await settle();
      assert.deepEqual(c.events.map(summary), ['put /w/a=a1 prev=-', 'put /w/b=b1 prev=-', 'put /w/a=a2 prev=a1', 'put /w/c=c1 prev=-']);
      const revisions = c.events.map((e) => e.revision);
      assert.deepEqual(
        revisions,
        [...revisions].sort((x, y) => x - y),
      );
      for (const e of c.events) assert.equal(e.kv.modRevision, e.revision);
    });

    it('watch has no gap or duplicate when writes race the replay', async () => {
      const old: number[] = [];
      for (let i = 0; i < 20; i++) old.push((await mustCreate(backend, `/r/${i}`, 'old')).modRevision);
      const from = old[9]!;
      const writes = Array.from({ length: 30 }, (_, i) => backend.create(`/r/new-${i}`, 'new'));
      const c = collector();
      await watch('/r/', c.onEvent, from);
      const written = (await Promise.all(writes)).map((r) => (r.ok ? r.revision : assert.fail('create failed')));
      const expected = [...old.slice(10), ...written].sort((a, b) => a - b);
      await c.waitFor(expected.length);
      await settle();
      assert.deepEqual(
        c.events.map((e) => e.revision),
        expected,
      );
    });

    it('a watch opened from inside a handler sees each event once', async () => {
      const from = backend.currentRevision();
      const inner = collector();
      let opened: Promise<AbortController> | undefined;
      const outer = collector();
      await watch(
        '/n/',
        (e) => {
          outer.onEvent(e);
          opened ??= watch('/n/', inner.onEvent, from);
        },
        from,
      );
      await Promise.all([backend.create('/n/1', '1'), backend.create('/n/2', '2'), backend.create('/n/3', '3')]);
      await opened;
      await mustCreate(backend, '/n/4', '4');
      await outer.waitFor(4);
      await inner.waitFor(4);
      await settle();
      assert.deepEqual(inner.events.map(summary), outer.events.map(summary));
    });

    it('watch delivers deletes with the deleted value and prev, and filters by prefix', async () => {
      const c = collector();
      await watch('/d/', c.onEvent, backend.currentRevision());
      const kv = await mustCreate(backend, '/d/x', 'x1');
      await mustCreate(backend, '/other/x', 'nope');
      await mustCreate(backend, '/dx', 'nope');
      const updated = await backend.update('/d/x', 'x2', kv.modRevision);
      assert.ok(updated.ok);
      const deleted = await backend.delete('/d/x', updated.revision);
      assert.ok(deleted.ok);
      await c.waitFor(3);
      await settle();
      assert.deepEqual(c.events.map(summary), ['put /d/x=x1 prev=-', 'put /d/x=x2 prev=x1', 'delete /d/x=x2 prev=x2']);
      const del = c.events[2]!;
      assert.equal(del.revision, deleted.revision);
      assert.equal(del.kv.modRevision, deleted.revision);
      assert.deepEqual(del.prev, updated.kv);
      // The same events again, replayed from history.
      const replay = collector();
      await watch('/d/', replay.onEvent, kv.modRevision - 1);
      await replay.waitFor(3);
      await settle();
      assert.deepEqual(replay.events, c.events);
    });

    it('watch stops delivering when aborted', async () => {
      const c = collector();
      const controller = await watch('/s/', c.onEvent, backend.currentRevision());
      await mustCreate(backend, '/s/1', '1');
      await c.waitFor(1);
      controller.abort();
      await mustCreate(backend, '/s/2', '2');
      await settle();
      assert.equal(c.events.length, 1);
    });

    it('compaction makes older reads and watches fail with CompactedError', async () => {
      const a = await mustCreate(backend, '/c/a', 'a1');
      const b = await mustCreate(backend, '/c/b', 'b1');
      assert.ok((await backend.delete('/c/b', b.modRevision)).ok);
      const a2 = await backend.update('/c/a', 'a2', a.modRevision);
      assert.ok(a2.ok);
      const at = backend.currentRevision();
      const a3 = await backend.update('/c/a', 'a3', a2.revision);
      assert.ok(a3.ok);
      await backend.compact(at);
      assert.equal(backend.compactRevision(), at);
      await assert.rejects(backend.list('/c/', { revision: at - 1 }), CompactedError);
      await assert.rejects(
        watch('/c/', () => {}, at - 1),
        CompactedError,
      );
      assert.deepEqual((await backend.list('/c/', { revision: at })).items, [a2.kv]);
      assert.deepEqual((await backend.list('/c/')).items, [a3.kv]);
      const c = collector();
      await watch('/c/', c.onEvent, at);
      await c.waitFor(1);
      assert.deepEqual(c.events.map(summary), ['put /c/a=a3 prev=a2']);
      await backend.compact(backend.currentRevision());
      assert.deepEqual((await backend.list('/c/')).items, [a3.kv]);
      assert.equal(await backend.get('/c/b'), undefined);
      const next = await mustCreate(backend, '/c/n', 'n');
      assert.ok(next.modRevision > a3.revision);
    });

    it('concurrent writes each get their own correct result', async () => {
      const seed = await mustCreate(backend, '/cc/shared', '0');
      const creates = Array.from({ length: 50 }, (_, i) => backend.create(`/cc/k${i}`, `${i}`));
      const duplicates = Array.from({ length: 5 }, (_, i) => backend.create('/cc/dup', `${i}`));
      const cas = Array.from({ length: 5 }, (_, i) => backend.update('/cc/shared', `${i}`, seed.modRevision));
      const [created, dup, swapped] = await Promise.all([Promise.all(creates), Promise.all(duplicates), Promise.all(cas)]);
      assert.ok(created.every((r, i) => r.ok && r.kv.value === `${i}`));
      const revisions = created.map((r) => (r.ok ? r.revision : 0));
      assert.equal(new Set(revisions).size, revisions.length);
      assert.equal(dup.filter((r) => r.ok).length, 1);
      const winner = dup.find((r) => r.ok);
      for (const r of dup) if (!r.ok) assert.deepEqual(r.current, winner?.ok ? winner.kv : undefined);
      assert.equal(swapped.filter((r) => r.ok).length, 1);
      const shared = await backend.get('/cc/shared');
      for (const r of swapped) if (!r.ok) assert.deepEqual(r.current, shared);
      assert.equal((await backend.list('/cc/k')).items.length, 50);
    });
  });
}
