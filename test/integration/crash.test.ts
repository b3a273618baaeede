// No acknowledged write is lost: four writers create and update ConfigMaps while the server is
// killed with SIGKILL, three times over on one data dir. After each restart every acknowledged
// create is there with the value of its last acknowledged update (or of the one write that was in
// flight when the server died, which may or may not have landed), and resourceVersions keep rising.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, ConfigMapList } from 'kubernetes-types/core/v1.js';
import { api, API_ONLY, startServer, type TestServer } from './harness.ts';

const WRITERS = 4;
const ROUNDS = 3;
const WRITE_MS = 1500;
const CMS = '/api/v1/namespaces/default/configmaps';

interface Ledger {
  /** name → value of the last acknowledged write. */
  acked: Map<string, string>;
  /** Per writer: the write sent but never answered (the server died under it). */
  inFlight: Map<number, { name: string; value: string }>;
  maxRv: number;
  /** Lowest resourceVersion acknowledged in the current round. */
  minRv: number;
  count: number;
}

const rvOf = (o: ConfigMap): number => Number(o.metadata?.resourceVersion);

/** One writer: alternately creates a new ConfigMap and updates one of its own, until the server dies or `stop()`. */
async function writer(server: TestServer, w: number, round: number, ledger: Ledger, stop: () => boolean): Promise<void> {
  const mine = [...ledger.acked.keys()].filter((n) => n.startsWith(`w${w}-`));
  for (let i = 0; !stop(); i++) {
    const value = `r${round}-${i}`;
    const update = i % 2 === 1 && mine.length > 0;
    const name = update ? mine[(i * 7) % mine.length]! : `w${w}-r${round}-${i}`;
    ledger.inFlight.set(w, { name, value });
    let res: Awaited<ReturnType<typeof api>>;
    try {
      res = update
        ? await api(server, 'PATCH', `${CMS}/${name}`, { body: { data: { v: value } }, contentType: 'application/merge-patch+json' })
        : await api(server, 'POST', CMS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: value } } });
    } catch {
      return; // the connection died with the server; inFlight keeps this write
    }
    assert.ok(res.status === 200 || res.status === 201, `${update ? 'update' : 'create'} ${name}: ${res.status} ${res.body}`);
    ledger.inFlight.delete(w);
    ledger.acked.set(name, value);
    const rv = rvOf(res.json<ConfigMap>());
    ledger.maxRv = Math.max(ledger.maxRv, rv);
    ledger.minRv = Math.min(ledger.minRv, rv);
    ledger.count++;
    if (!update) mine.push(name);
  }
}

function verify(list: ConfigMapList, ledger: Ledger): void {
  const stored = new Map(list.items.map((i) => [i.metadata?.name ?? '', i.data?.v]));
  const pending = new Map([...ledger.inFlight.values()].map((p) => [p.name, p.value]));
  const wrong: string[] = [];
  for (const [name, value] of ledger.acked) {
    const got = stored.get(name);
    if (got !== value && got !== pending.get(name)) wrong.push(`${name}: acknowledged ${value}, stored ${got ?? '(missing)'}`);
  }
  assert.deepEqual(wrong, [], `${wrong.length} of ${ledger.acked.size} acknowledged writes lost`);
  assert.ok(Number(list.metadata?.resourceVersion) >= ledger.maxRv, `list RV ${list.metadata?.resourceVersion} is below acknowledged RV ${ledger.maxRv}`);
}

describe('crash safety', () => {
  it(`keeps every acknowledged create and update across ${ROUNDS} kill -9 rounds with ${WRITERS} concurrent writers`, { timeout: 120_000 }, async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'peapod-crash-'));
    const ledger: Ledger = { acked: new Map(), inFlight: new Map(), maxRv: 0, minRv: Infinity, count: 0 };
    let server = await startServer({ dataDir, args: API_ONLY });
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const rvBefore = ledger.maxRv;
        const countBefore = ledger.count;
        ledger.minRv = Infinity;
        let stop = false;
        const writers = Array.from({ length: WRITERS }, (_, w) => writer(server, w, round, ledger, () => stop));
        await new Promise((r) => setTimeout(r, WRITE_MS));
        await server.kill9();
        stop = true;
        await Promise.all(writers);
        assert.ok(ledger.count - countBefore > 20, `round ${round}: only ${ledger.count - countBefore} writes were acknowledged`);
        assert.ok(
          ledger.minRv > rvBefore,
          `round ${round}: a write got resourceVersion ${ledger.minRv}, not above ${rvBefore} acknowledged before the restart`,
        );

        server = await startServer({ dataDir, args: API_ONLY });
        const list = await api(server, 'GET', CMS);
        assert.equal(list.status, 200, list.body);
        const items = list.json<ConfigMapList>();
        verify(items, ledger);
        // The writes that were in flight are settled now, one way or the other: the list is the truth.
        ledger.inFlight.clear();
        for (const i of items.items) if (ledger.acked.has(i.metadata?.name ?? '')) ledger.acked.set(i.metadata!.name!, i.data?.v ?? '');
        t.diagnostic(
          `round ${round}: ${ledger.count - countBefore} writes acknowledged, all ${ledger.acked.size} ConfigMaps intact after kill -9, resourceVersion ${items.metadata?.resourceVersion}`,
        );
      }
    } finally {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
