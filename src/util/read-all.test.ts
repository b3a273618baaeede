import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { readAll, StreamTooLargeError } from './read-all.ts';

test('readAll joins every chunk and leaves no listener behind', async () => {
  const s = new PassThrough();
  const body = readAll(s);
  s.write('ab');
  s.write(Buffer.from('cd'));
  s.end('e');
  assert.equal((await body).toString(), 'abcde');
  assert.equal(s.listenerCount('data') + s.listenerCount('end') + s.listenerCount('error') + s.listenerCount('close'), 0);
});

test('readAll refuses a stream over its limit and drains the rest', async () => {
  const s = new PassThrough();
  const body = readAll(s, 4);
  s.write('abc');
  s.write('def');
  await assert.rejects(body, (e: unknown) => e instanceof StreamTooLargeError && e.limit === 4);
  s.end('more');
  await new Promise((r) => s.once('end', r));
});

test('readAll rejects a stream that errors or closes before its end', async () => {
  const failing = new PassThrough();
  const a = readAll(failing);
  failing.destroy(new Error('socket hang up'));
  await assert.rejects(a, /socket hang up/);
  const cut = new PassThrough();
  const b = readAll(cut);
  cut.write('partial');
  cut.destroy();
  await assert.rejects(b, (e: unknown) => (e as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE');
  await assert.rejects(readAll(cut), (e: unknown) => (e as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE');
});

test('readAll of a stream already read to its end is empty', async () => {
  const s = Readable.from([Buffer.from('x')]);
  await readAll(s);
  assert.equal((await readAll(s)).length, 0);
});
