// CI smoke of the benchmark suite: `bench/run.ts --quick` on a fast subset must run to the end and
// print its table. No figure is asserted (benchmarks report, they do not gate). The outputs it
// writes under bench/out are put back as they were afterwards.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const SUBSET = ['scale-watch-fanout', 'scale-ladder'];
const OUTPUTS = ['summary.csv', ...SUBSET.flatMap((b) => [`${b}.csv`, `${b}.png`])].map((f) => join(ROOT, 'bench', 'out', f));

describe('benchmark suite smoke (--quick)', () => {
  const saved = new Map(OUTPUTS.map((f) => [f, existsSync(f) ? readFileSync(f) : undefined]));
  after(() => {
    for (const [f, content] of saved) {
      if (content) writeFileSync(f, content);
      else rmSync(f, { force: true });
    }
  });

  it(`runs ${SUBSET.join(', ')} and prints the table`, async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'bench/run.ts'), '--quick', ...SUBSET],
        { cwd: ROOT, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 },
        (err, out, errOut) => {
          done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: out, stderr: errOut });
        },
      );
    });
    assert.equal(code, 0, `bench/run.ts exited ${code}\n${stdout}\n${stderr.slice(-4000)}`);
    assert.match(stdout, /Peapod benchmarks \(quick\)/);
    assert.match(stdout, /figure\s+value\s+unit/);
    for (const b of SUBSET) assert.match(stdout, new RegExp(`${b}\\s+ok`));
  });
});
