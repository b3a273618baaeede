import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, appendFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { streamContainerLog, type LogReadOptions } from './log-reader.ts';
import { parseTimestamp } from './cri-log.ts';

const dir = await mkdtemp(join(tmpdir(), 'peapod-log-'));
after(() => rm(dir, { recursive: true, force: true }));

const LOG = [
  '2026-11-28T11:52:00.000000001+00:00 stdout F one',
  '2026-11-28T11:52:01.000000002+00:00 stderr F two',
  '2026-11-28T11:52:02.5+00:00 stdout P thr',
  '2026-11-28T11:52:02.600000000+00:00 stdout F ee',
  '2026-11-28T11:52:03.000000000+00:00 stdout F ',
  '2026-11-28T11:52:04.000000000+00:00 stdout F four',
  '',
].join('\n');

let n = 0;
async function read(content: string, options: LogReadOptions = {}): Promise<string> {
  const path = join(dir, `c${n++}.log`);
  await writeFile(path, content);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await streamContainerLog(path, out, options);
  return Buffer.concat(chunks).toString();
}

test('the whole log comes back as the container wrote it, partial records joined', async () => {
  assert.equal(await read(LOG), 'one\ntwo\nthree\n\nfour\n');
});

test('tailLines counts joined lines', async () => {
  assert.equal(await read(LOG, { tailLines: 3 }), 'three\n\nfour\n');
  assert.equal(await read(LOG, { tailLines: 0 }), '');
  assert.equal(await read(LOG, { tailLines: 100 }), 'one\ntwo\nthree\n\nfour\n');
});

test('since skips older records', async () => {
  assert.equal(await read(LOG, { since: new Date('2026-11-28T11:52:02.550Z') }), 'ee\n\nfour\n');
});

test('timestamps prefix each line once, in UTC with nine fractional digits', async () => {
  const text = await read(LOG, { timestamps: true, tailLines: 3 });
  assert.equal(text, '2026-11-28T11:52:02.500000000Z three\n2026-11-28T11:52:03.000000000Z \n2026-11-28T11:52:04.000000000Z four\n');
  assert.equal(parseTimestamp('2026-11-28T12:52:00.1+01:00')?.timestamp, '2026-11-28T11:52:00.100000000Z');
});

test('limitBytes cuts the output at that many bytes', async () => {
  assert.equal(await read(LOG, { limitBytes: 6 }), 'one\ntw');
});

test('a missing file reads as an empty log; malformed lines are skipped', async () => {
  const out = new PassThrough();
  await streamContainerLog(join(dir, 'absent.log'), out, {});
  assert.equal(out.read(), null);
  assert.equal(await read('garbage\n2026-11-28T11:52:00Z stdout F ok\n'), 'ok\n');
});

test('follow streams appended lines and ends once the container stops running', async () => {
  const path = join(dir, 'follow.log');
  await writeFile(path, '2026-11-28T11:52:00Z stdout F first\n');
  const out = new PassThrough();
  let text = '';
  let running = true;
  const seen = new Promise<void>((resolve) => {
    out.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.includes('second')) resolve();
    });
  });
  const done = streamContainerLog(path, out, { follow: true, stillRunning: async () => running, pollIntervalMs: 20 });
  await appendFile(path, '2026-11-28T11:52:01Z stdout P sec');
  await appendFile(path, 'ond-part\n2026-11-28T11:52:01Z stdout F !\n');
  await seen;
  await appendFile(path, '2026-11-28T11:52:02Z stdout F last\n');
  running = false;
  await done;
  assert.equal(text, 'first\nsecond-part!\nlast\n');
});

test('follow stops when the client goes away: no more polling, nothing written after', async () => {
  const path = join(dir, 'abort.log');
  await writeFile(path, '2026-11-28T11:52:00Z stdout F before\n');
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const ac = new AbortController();
  let polls = 0;
  let pollsAfterAbort = 0;
  let tooManyPolls: () => void = () => undefined;
  const stillPolling = new Promise<'still polling'>((resolve) => (tooManyPolls = () => resolve('still polling')));
  const stillRunning = async (): Promise<boolean> => {
    polls++;
    if (ac.signal.aborted && ++pollsAfterAbort >= 20) tooManyPolls();
    return true;
  };
  const done = streamContainerLog(path, out, { follow: true, stillRunning, signal: ac.signal, pollIntervalMs: 5 });
  while (!text.includes('before')) await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  await appendFile(path, '2026-11-28T11:52:01Z stdout F after\n');
  // A reader that ignores the abort keeps polling (20 polls of 5 ms); one that stops resolves first.
  assert.equal(await Promise.race([done.then(() => 'stopped' as const), stillPolling]), 'stopped');
  const settled = polls;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(polls, settled, 'no polls once stopped');
  assert.equal(text, 'before\n', 'nothing read after the client went away');
});
