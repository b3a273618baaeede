import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeBackend } from '../backend.contract.ts';
import { openSqliteBackend } from './sqlite-backend.ts';

const dir = mkdtempSync(join(tmpdir(), 'peapod-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `db-${files++}.sqlite`);

describeBackend('sqlite', () => openSqliteBackend({ path: freshPath(), compactIntervalMs: 0 }));
describeBackend('sqlite :memory:', () => openSqliteBackend({ path: ':memory:', compactIntervalMs: 0 }));

describe('sqlite backend', () => {
  it("names a key's live revision without its value: the newest write's, none once deleted", async () => {
    const b = await openSqliteBackend({ path: ':memory:', compactIntervalMs: 0 });
    assert.ok(b.modRevision);
    assert.equal(await b.modRevision('/k'), undefined);
    const made = await b.create('/k', 'v1');
    assert.ok(made.ok);
    await b.create('/other', 'x');
    assert.equal(await b.modRevision('/k'), made.revision);
    const changed = await b.update('/k', 'v2', made.revision);
    assert.ok(changed.ok);
    assert.equal(await b.modRevision('/k'), changed.revision);
    assert.equal(await b.modRevision('/k'), (await b.get('/k'))?.modRevision);
    const gone = await b.delete('/k', changed.revision);
    assert.ok(gone.ok);
    assert.equal(await b.modRevision('/k'), undefined);
    await b.close();
  });

  it('answers modRevision for keys written before a reopen, through later writes, a lost CAS and compaction', async () => {
    const path = freshPath();
    const first = await openSqliteBackend({ path, compactIntervalMs: 0 });
    const a = await first.create('/a', 'a1');
    const b = await first.create('/b', 'b1');
    assert.ok(a.ok && b.ok);
    await first.close();
    const again = await openSqliteBackend({ path, compactIntervalMs: 0 });
    assert.equal(await again.modRevision!('/a'), a.revision);
    const a2 = await again.update('/a', 'a2', a.revision);
    assert.ok(a2.ok);
    assert.equal(await again.modRevision!('/a'), a2.revision);
    assert.equal((await again.update('/a', 'stale', a.revision)).ok, false);
    assert.equal(await again.modRevision!('/a'), a2.revision);
    assert.ok((await again.delete('/b', b.revision)).ok);
    assert.equal(await again.modRevision!('/b'), undefined);
    const b2 = await again.create('/b', 'b2');
    assert.ok(b2.ok);
    await again.compact(again.currentRevision());
    assert.equal(await again.modRevision!('/b'), b2.revision);
    assert.equal(await again.modRevision!('/b'), (await again.get('/b'))?.modRevision);
    await again.close();
  });

  it('keeps data, revisions and the compact revision across a reopen', async () => {
    const path = freshPath();
    const first = await openSqliteBackend({ path });
    const kv = await first.create('/k', 'v1');
    assert.ok(kv.ok);
    const gone = await first.create('/gone', 'x');
    assert.ok(gone.ok);
    const deleted = await first.delete('/gone', gone.revision);
    assert.ok(deleted.ok);
    await first.compact(deleted.revision); // drops the tombstone, the newest row
    await first.close();

    const second = await openSqliteBackend({ path });
    assert.equal(second.currentRevision(), deleted.revision);
    assert.equal(second.compactRevision(), deleted.revision);
    assert.deepEqual(await second.get('/k'), kv.kv);
    assert.equal(await second.get('/gone'), undefined);
    const next = await second.create('/k2', 'v');
    assert.ok(next.ok);
    assert.equal(next.revision, deleted.revision + 1, 'a revision is never reused');
    await second.close();
  });

  it('auto-compacts to keep the configured window', async () => {
    const backend = await openSqliteBackend({ path: freshPath(), compactWindow: 5, compactIntervalMs: 10 });
    let kv = await backend.create('/k', '0');
    for (let i = 1; i <= 20; i++) {
      assert.ok(kv.ok);
      kv = await backend.update('/k', `${i}`, kv.revision);
    }
    const deadline = Date.now() + 2000;
    while (backend.compactRevision() !== backend.currentRevision() - 5 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(backend.compactRevision(), backend.currentRevision() - 5);
    await backend.close();
  });

  it('loses no acknowledged write when the process is killed with SIGKILL', async () => {
    const path = freshPath();
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./testdata/crash-writer.ts', import.meta.url)), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acknowledged: string[] = [];
    let buffered = '';
    child.stdout.setEncoding('utf8');
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        acknowledged.push(...lines.filter((line) => line.length > 0));
        if (acknowledged.length >= 300) resolve();
      });
      child.on('exit', () => resolve());
    });
    child.kill('SIGKILL');
    await exited;
    assert.ok(acknowledged.length >= 300, `child acknowledged only ${acknowledged.length} writes`);

    const backend = await openSqliteBackend({ path });
    const stored = new Map((await backend.list('/crash/')).items.map((kv) => [kv.key, kv.modRevision]));
    for (const line of acknowledged) {
      const [key, revision] = line.split(' ');
      assert.equal(stored.get(key!), Number(revision), `acknowledged ${key} at ${revision}`);
    }
    await backend.close();
  });
});
