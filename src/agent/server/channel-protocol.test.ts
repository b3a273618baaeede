import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeChannelMessage, encodeChannelMessage, parseResize, selectChannelProtocol, statusPayload } from './channel-protocol.ts';

test('the first protocol kubectl offers that we speak is chosen', () => {
  assert.equal(selectChannelProtocol(['v5.channel.k8s.io']), 'v5.channel.k8s.io');
  assert.equal(selectChannelProtocol(['v6.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io']), 'v4.channel.k8s.io');
  assert.equal(selectChannelProtocol(['SPDY/3.1+portforward.k8s.io']), undefined);
});

test('binary protocols prefix the channel byte; base64 ones the channel digit', () => {
  assert.deepEqual(encodeChannelMessage('v5.channel.k8s.io', 1, Buffer.from('hi')), { data: Buffer.from([1, 0x68, 0x69]), binary: true });
  assert.deepEqual(encodeChannelMessage('base64.channel.k8s.io', 2, Buffer.from('hi')), { data: '2aGk=', binary: false });
  assert.deepEqual(decodeChannelMessage('v5.channel.k8s.io', Buffer.from([0, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x0a])), {
    channel: 0,
    payload: Buffer.from('hello\n'),
  });
  assert.deepEqual(decodeChannelMessage('v4.base64.channel.k8s.io', Buffer.from('0aGk=')), { channel: 0, payload: Buffer.from('hi') });
  assert.deepEqual(decodeChannelMessage('v5.channel.k8s.io', Buffer.from([0xff, 0])), { channel: 255, payload: Buffer.from([0]) });
});

test('exit code 42 becomes the NonZeroExitCode status kubectl turns into "command terminated with exit code 42"', () => {
  const s = JSON.parse(statusPayload('v5.channel.k8s.io', { kind: 'exit', code: 42, command: ['sh', '-c', 'exit 42'] })!.toString()) as {
    status: string;
    reason: string;
    details: { causes: { reason: string; message: string }[] };
  };
  assert.equal(s.status, 'Failure');
  assert.equal(s.reason, 'NonZeroExitCode');
  assert.deepEqual(s.details.causes, [{ reason: 'ExitCode', message: '42' }]);
  assert.deepEqual(JSON.parse(statusPayload('v4.channel.k8s.io', { kind: 'exit', code: 0 })!.toString()), { metadata: {}, status: 'Success' });
  assert.equal(statusPayload('channel.k8s.io', { kind: 'exit', code: 0 }), undefined);
  assert.equal(statusPayload('channel.k8s.io', { kind: 'error', message: 'boom' })!.toString(), 'boom');
});

test('resize messages carry Width and Height', () => {
  assert.deepEqual(parseResize(Buffer.from('{"Width":100,"Height":30}\n')), { width: 100, height: 30 });
  assert.equal(parseResize(Buffer.from('nope')), undefined);
});
