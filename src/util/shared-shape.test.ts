import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Whether two objects share a hidden class is visible only through V8's natives syntax, so the
// check runs in a child node with --allow-natives-syntax.
test('objects built with SHARED_SHAPE share one hidden class', () => {
  const url = new URL('./shared-shape.ts', import.meta.url).href;
  const script = `
    const { SHARED_SHAPE } = await import(${JSON.stringify(url)});
    const same = new Function('a', 'b', 'return %HaveSameMap(a, b)');
    const base = { user: 'u', fieldManager: 'f' };
    const made = [];
    for (let i = 0; i < 200; i++) made.push({ ...SHARED_SHAPE, ...base, ownsInput: true, n: i });
    const maps = [];
    for (const o of made) if (!maps.some((m) => same(m, o))) maps.push(o);
    process.stdout.write(JSON.stringify({ maps: maps.length, sample: made[7] }));
  `;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { maps: number; sample: unknown };
  assert.deepEqual(out.sample, { user: 'u', fieldManager: 'f', ownsInput: true, n: 7 });
  assert.ok(out.maps <= 2, `200 objects used ${out.maps} hidden classes`);
});
