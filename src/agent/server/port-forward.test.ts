import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createDeflate, constants } from 'node:zlib';
import { FrameParser, SPDY_DICTIONARY, encodeData, encodeNameValues, encodePing, encodeSynStream, type Frame } from '../../util/spdy/index.ts';
import { PortForwardSession, type FrameTransport } from './port-forward.ts';

// The pod's port: echoes upper-cased input, closing its side when the client half-closes.
const echo: Server = createServer({ allowHalfOpen: true }, (s) => {
  s.on('data', (d: Buffer) => s.write(d.toString().toUpperCase()));
  s.on('end', () => s.end());
});
await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
const port = (echo.address() as AddressInfo).port;
after(() => new Promise<void>((r) => echo.close(() => r())));

/** kubectl's side: compresses header blocks like spdystream and collects the server's frames. */
function client() {
  const deflate = createDeflate({ dictionary: SPDY_DICTIONARY });
  let pending: Buffer[] = [];
  deflate.on('data', (c: Buffer) => pending.push(c));
  const headers = (h: Record<string, string>) =>
    new Promise<Buffer>((resolve) => {
      deflate.write(encodeNameValues(h));
      deflate.flush(constants.Z_SYNC_FLUSH, () => {
        resolve(Buffer.concat(pending));
        pending = [];
      });
    });
  const parser = new FrameParser();
  const received: Frame[] = [];
  let ended = false;
  const transport: FrameTransport = {
    write: (frame, done) => {
      received.push(...parser.push(frame));
      done();
    },
    pause: () => {},
    resume: () => {},
    end: () => {
      ended = true;
    },
  };
  return { headers, received, transport, ended: () => ended };
}

async function until(what: string, fn: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !fn(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(fn(), what);
}

const describeFrame = (f: Frame) =>
  f.kind === 'data' ? `data ${f.streamId}${f.flags & 1 ? ' FIN' : ''} ${f.data.toString()}`.trim() : `${f.kind} ${'streamId' in f ? f.streamId : ''}`.trim();

test('a forwarded connection: SYN_REPLY to both streams, bytes both ways, then FIN on data and then on error', async () => {
  const c = client();
  const session = new PortForwardSession(c.transport, { ip: '127.0.0.1', uid: 'u1', podName: 'web' });
  session.push(encodeSynStream(1, await c.headers({ streamtype: 'error', port: String(port), requestid: '0' })));
  session.push(encodeData(1, Buffer.alloc(0), true));
  session.push(encodeSynStream(3, await c.headers({ streamtype: 'data', port: String(port), requestid: '0' })));
  session.push(encodePing(1));
  await until('both SYN_REPLYs and the PING echo', () => c.received.length >= 3);
  session.push(encodeData(3, Buffer.from('hello')));
  await until('echoed data', () => c.received.some((f) => f.kind === 'data' && f.data.toString() === 'HELLO'));
  session.push(encodeData(3, Buffer.alloc(0), true));
  await until('error stream FIN', () => c.received.some((f) => f.kind === 'data' && f.streamId === 1 && (f.flags & 1) === 1));
  assert.deepEqual(c.received.map(describeFrame), ['synReply 1', 'synReply 3', 'ping', 'data 3 HELLO', 'data 3 FIN', 'data 1 FIN']);
  session.close();
  assert.equal(c.ended(), true);
});

test('nothing listening: the error text goes on the error stream, then the data stream ends', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const dead = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const c = client();
  const session = new PortForwardSession(c.transport, { ip: '127.0.0.1', uid: 'u1', podName: 'web' });
  session.push(encodeSynStream(5, await c.headers({ streamtype: 'error', port: String(dead), requestid: '7' })));
  session.push(encodeSynStream(7, await c.headers({ streamtype: 'data', port: String(dead), requestid: '7' })));
  await until('error text', () => c.received.length >= 4);
  assert.deepEqual(c.received.map(describeFrame), [
    'synReply 5',
    'synReply 7',
    `data 5 FIN error forwarding port ${dead} to pod web, uid u1: connect ECONNREFUSED 127.0.0.1:${dead}`,
    'data 7 FIN',
  ]);
  session.close();
});
