import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDeflate, constants, inflateSync } from 'node:zlib';
import {
  FrameParser,
  HeaderDecoder,
  HeaderEncoder,
  SPDY_DICTIONARY,
  decodeNameValues,
  encodeData,
  encodeNameValues,
  encodeSynReply,
  encodeSynStream,
  encodeGoaway,
  encodePing,
  encodeRstStream,
  RstStatus,
} from './index.ts';

/** Compresses header blocks the way Go's spdystream (kubectl) does: one deflate stream with the dictionary, sync-flushed. */
function clientCompressor(): (h: Record<string, string>) => Promise<Buffer> {
  const deflate = createDeflate({ dictionary: SPDY_DICTIONARY });
  let chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  return (h) =>
    new Promise((resolve) => {
      deflate.write(encodeNameValues(h));
      deflate.flush(constants.Z_SYNC_FLUSH, () => {
        const out = Buffer.concat(chunks);
        chunks = [];
        resolve(out);
      });
    });
}

test('the dictionary has the size SPDY/3 specifies', () => {
  assert.equal(SPDY_DICTIONARY.length, 1423);
});

test('a kubectl-style SYN_STREAM split into 2/4/51-byte pieces parses and its headers decode', async () => {
  const compress = clientCompressor();
  const block1 = await compress({ streamtype: 'error', port: '80', requestid: '0' });
  const block2 = await compress({ streamtype: 'data', port: '80', requestid: '0' });
  const frame1 = encodeSynStream(1, block1);
  // The captured first frame starts 80 03 00 01 (control, version 3, SYN_STREAM).
  assert.deepEqual([...frame1.subarray(0, 4)], [0x80, 0x03, 0x00, 0x01]);
  const bytes = Buffer.concat([frame1, encodeSynStream(3, block2), encodeData(1, Buffer.alloc(0), true), encodePing(1)]);
  const parser = new FrameParser();
  const frames = [];
  let off = 0;
  for (const size of [2, 4, 51, 3, 1000]) {
    frames.push(...parser.push(bytes.subarray(off, off + size)));
    off += size;
  }
  assert.equal(off >= bytes.length, true);
  assert.deepEqual(
    frames.map((f) => f.kind),
    ['synStream', 'synStream', 'data', 'ping'],
  );
  const decoder = new HeaderDecoder();
  const f0 = frames[0]!;
  const f1 = frames[1]!;
  assert.ok(f0.kind === 'synStream' && f1.kind === 'synStream');
  assert.deepEqual(await decoder.decode(f0.headerBlock), { streamtype: 'error', port: '80', requestid: '0' });
  assert.deepEqual(await decoder.decode(f1.headerBlock), { streamtype: 'data', port: '80', requestid: '0' });
  const fin = frames[2]!;
  assert.ok(fin.kind === 'data' && fin.flags === 1 && fin.streamId === 1 && fin.data.length === 0);
  decoder.close();
});

test('server header blocks are a valid sync-flushed zlib stream a standard inflater reads block by block', () => {
  const enc = new HeaderEncoder();
  const a = enc.encode({});
  const b = enc.encode({ streamtype: 'data' });
  assert.deepEqual([...a.subarray(0, 2)], [0x78, 0x01]);
  // Each block ends with the empty stored block marker.
  assert.deepEqual([...b.subarray(b.length - 5)], [0, 0, 0, 0xff, 0xff]);
  const raw = inflateSync(Buffer.concat([a, b]), { finishFlush: constants.Z_SYNC_FLUSH });
  assert.deepEqual(decodeNameValues(raw.subarray(0, 4)), {});
  assert.deepEqual(decodeNameValues(raw.subarray(4)), { streamtype: 'data' });
});

test('control frames round-trip through the parser', () => {
  const parser = new FrameParser();
  const frames = parser.push(
    Buffer.concat([encodeSynReply(5, Buffer.from([1, 2])), encodeRstStream(7, RstStatus.CANCEL), encodeGoaway(9), encodeData(5, Buffer.from('hi'))]),
  );
  assert.deepEqual(frames, [
    { kind: 'synReply', streamId: 5, flags: 0, headerBlock: Buffer.from([1, 2]) },
    { kind: 'rstStream', streamId: 7, status: 5 },
    { kind: 'goaway', lastGoodStreamId: 9, status: 0 },
    { kind: 'data', streamId: 5, flags: 0, data: Buffer.from('hi') },
  ]);
});
