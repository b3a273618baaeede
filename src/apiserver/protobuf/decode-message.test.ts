// The hand-marshalled apimachinery types and the zero/pointer rule, on bytes built here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, goDuration } from './decode-message.ts';
import type { ProtoTable } from './proto-table.ts';

/** Minimal encoder for test inputs: fields as [number, value] with strings/Buffers as LEN, numbers as varints. */
function enc(fields: [number, string | Buffer | number | bigint][]): Buffer {
  const varint = (n: bigint): number[] => {
    const out: number[] = [];
    let v = BigInt.asUintN(64, n);
    do {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      out.push(v ? b | 0x80 : b);
    } while (v);
    return out;
  };
  const parts: Buffer[] = [];
  for (const [no, v] of fields) {
    if (typeof v === 'number' || typeof v === 'bigint') parts.push(Buffer.from([...varint(BigInt(no) << 3n), ...varint(BigInt(v))]));
    else {
      const b = typeof v === 'string' ? Buffer.from(v) : v;
      parts.push(Buffer.from([...varint((BigInt(no) << 3n) | 2n), ...varint(BigInt(b.length))]), b);
    }
  }
  return Buffer.concat(parts);
}

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const table: ProtoTable = {
  source: 'test',
  messages: {
    'test.Obj': {
      f: {
        '1': { n: 'name', t: 'string', v: true },
        '2': { n: 'replicas', t: 'int32' },
        '3': { n: 'count', t: 'int32', v: true },
        '4': { n: 'created', t: 'message', m: `${META}.Time`, v: true },
        '5': { n: 'port', t: 'message', m: 'k8s.io.apimachinery.pkg.util.intstr.IntOrString', v: true },
        '6': { n: 'cpu', t: 'message', m: 'k8s.io.apimachinery.pkg.api.resource.Quantity' },
        '7': { n: 'timeout', t: 'message', m: `${META}.Duration` },
        '8': { n: 'renewed', t: 'message', m: `${META}.MicroTime` },
        '9': { n: 'offset', t: 'int64' },
        '10': { n: 'extra', t: 'message', r: true, m: 'test.Obj.ExtraEntry' },
        '11': { n: 'flag', t: 'bool' },
      },
    },
    'test.Obj.ExtraEntry': { f: { '1': { n: 'key', t: 'string' }, '2': { n: 'value', t: 'message', m: 'test.Values' } }, map: true },
    'test.Values': { f: { '1': { n: 'items', t: 'string', r: true } }, slice: true },
  },
};

describe('decodeMessage', () => {
  it('keeps a pointer field set to zero and drops a value field left at zero', () => {
    const got = decodeMessage(
      enc([
        [1, ''],
        [2, 0],
        [3, 0],
        [4, Buffer.alloc(0)],
        [11, 0],
      ]),
      'test.Obj',
      table,
    );
    assert.deepEqual(got, { replicas: 0, flag: false });
  });

  it('converts Time, MicroTime, Duration, Quantity, IntOrString and negative int64', () => {
    const got = decodeMessage(
      enc([
        [4, enc([[1, 1700000000]])],
        [
          5,
          enc([
            [1, 1],
            [3, 'http'],
          ]),
        ],
        [6, enc([[1, '500m']])],
        [7, enc([[1, 90_500_000_000]])],
        [
          8,
          enc([
            [1, 1700000000],
            [2, 123456789],
          ]),
        ],
        [9, -5n],
      ]),
      'test.Obj',
      table,
    );
    assert.deepEqual(got, {
      created: '2023-11-14T22:13:20Z',
      port: 'http',
      cpu: '500m',
      timeout: '1m30.5s',
      renewed: '2023-11-14T22:13:20.123456Z',
      offset: -5,
    });
    assert.deepEqual(decodeMessage(enc([[5, enc([[2, 8080]])]]), 'test.Obj', table), { port: 8080 });
  });

  it('maps with named-slice values become objects of arrays', () => {
    const entry = enc([
      [1, 'groups'],
      [
        2,
        enc([
          [1, 'a'],
          [1, 'b'],
        ]),
      ],
    ]);
    assert.deepEqual(decodeMessage(enc([[10, entry]]), 'test.Obj', table), { extra: { groups: ['a', 'b'] } });
  });

  it('formats durations as Go does', () => {
    assert.equal(goDuration(0n), '0s');
    assert.equal(goDuration(1500n), '1.5µs');
    assert.equal(goDuration(250_000_000n), '250ms');
    assert.equal(goDuration(3_600_000_000_000n), '1h0m0s');
    assert.equal(goDuration(-2_000_000_000n), '-2s');
  });
});
