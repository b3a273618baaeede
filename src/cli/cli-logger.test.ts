import assert from 'node:assert/strict';
import { test } from 'node:test';
import { componentLog, createCliLogger, logFormat, textLine } from './cli-logger.ts';

function capture(_format: string | undefined, isTTY: boolean): { lines: string[]; out: { write(s: string): void; isTTY: boolean } } {
  const lines: string[] = [];
  return { lines, out: { write: (s: string) => void lines.push(s), isTTY } };
}

test('text on a terminal, JSON otherwise or when asked', () => {
  assert.equal(logFormat(undefined, true), 'text');
  assert.equal(logFormat(undefined, false), 'json');
  assert.equal(logFormat('json', true), 'json');
  assert.throws(() => logFormat('xml', true), /--log-format: expected text or json/);

  const tty = capture(undefined, true);
  createCliLogger({ out: tty.out, level: 'info' }).info({ node: 'n1', podCIDR: '10.42.0.0/24', note: 'two words' }, 'agent: node registered');
  assert.match(tty.lines[0] ?? '', /^\d\d:\d\d:\d\d\.\d{3} INFO {2}agent: node registered node=n1 podCIDR=10\.42\.0\.0\/24 note="two words"\n$/);

  const pipe = capture(undefined, false);
  createCliLogger({ out: pipe.out, level: 'info' }).info({ node: 'n1' }, 'agent: node registered');
  const rec = JSON.parse(pipe.lines[0] ?? '{}') as { level: number; msg: string; node: string };
  assert.deepEqual([rec.level, rec.msg, rec.node], [30, 'agent: node registered', 'n1']);
});

test('routine component lines are info, problems are warnings', () => {
  const pipe = capture('json', false);
  const log = componentLog(createCliLogger({ format: 'json', out: pipe.out, level: 'info' }));
  log('agent: node registered', { node: 'n1' });
  log('exec session', { pod: 'p' });
  log('port-forward session', { pod: 'p' });
  log('agent: lease renewal failed', { error: 'x' });
  log('embedded agent not started: needs root');
  const levels = pipe.lines.map((l) => (JSON.parse(l) as { level: number }).level);
  assert.deepEqual(levels, [30, 30, 30, 40, 40]);
});

test('a line that is not JSON is passed through', () => {
  assert.equal(textLine('plain\n'), 'plain\n');
});
