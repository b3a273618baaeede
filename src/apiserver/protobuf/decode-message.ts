// Protobuf message → the JSON value Go's encoding/json would produce for the same Go object, walking
// the field table. Kubernetes' hand-marshalled apimachinery types (Time, Quantity, IntOrString, ...)
// have a JSON form unlike their proto form; they are converted by name below.
import type { ProtoField, ProtoTable } from './proto-table.ts';
import { ProtobufWireError, readFields, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, type WireField } from './wire.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const SPECIAL: Record<string, (fields: WireField[]) => Json | undefined> = {
  [`${META}.Time`]: (f) => rfc3339(f, false),
  [`${META}.MicroTime`]: (f) => rfc3339(f, true),
  [`${META}.Duration`]: (f) => goDuration(BigInt.asIntN(64, varintOf(f, 1) ?? 0n)),
  [`${META}.FieldsV1`]: (f) => rawJson(bytesOf(f, 1)),
  'k8s.io.apimachinery.pkg.api.resource.Quantity': (f) => bytesOf(f, 1)?.toString('utf8') ?? '0',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': (f) =>
    varintOf(f, 1) === 1n ? (bytesOf(f, 3)?.toString('utf8') ?? '') : Number(BigInt.asIntN(32, varintOf(f, 2) ?? 0n)),
  'k8s.io.apimachinery.pkg.runtime.RawExtension': (f) => rawJson(bytesOf(f, 1)),
};

function varintOf(fields: WireField[], no: number): bigint | undefined {
  let v: bigint | undefined;
  for (const f of fields) if (f.no === no && f.wire === WIRE_VARINT) v = f.value;
  return v;
}

function bytesOf(fields: WireField[], no: number): Buffer | undefined {
  let v: Buffer | undefined;
  for (const f of fields) if (f.no === no && f.wire === WIRE_LEN) v = f.value;
  return v;
}

/** Embedded JSON (RawExtension, FieldsV1); absent or empty means Go's nil, i.e. JSON null. */
function rawJson(raw: Buffer | undefined): Json | undefined {
  if (!raw || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as Json;
  } catch {
    throw new ProtobufWireError('embedded object is not JSON');
  }
}

/** metav1.Time marshals as RFC 3339 in UTC with whole seconds; MicroTime with microseconds. Zero → null. */
function rfc3339(fields: WireField[], micro: boolean): string | undefined {
  const seconds = BigInt.asIntN(64, varintOf(fields, 1) ?? 0n);
  const nanos = Number(BigInt.asIntN(32, varintOf(fields, 2) ?? 0n));
  if (fields.length === 0) return undefined;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

/** Go's time.Duration.String(): "1h2m3.5s", "250ms", "0s". */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  let u = ns < 0n ? -ns : ns;
  const frac = (v: bigint, unit: bigint, width: number): string => {
    const rest = v % unit;
    const digits = rest === 0n ? '' : `.${rest.toString().padStart(width, '0').replace(/0+$/, '')}`;
    return `${v / unit}${digits}`;
  };
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${frac(u, 1000n, 3)}µs`;
  if (u < 1_000_000_000n) return `${sign}${frac(u, 1_000_000n, 6)}ms`;
  const hours = u / 3_600_000_000_000n;
  u %= 3_600_000_000_000n;
  const minutes = u / 60_000_000_000n;
  u %= 60_000_000_000n;
  const seconds = `${frac(u, 1_000_000_000n, 9)}s`;
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

function scalar(field: ProtoField, f: WireField): Json {
  const v = f.value;
  switch (field.t) {
    case 'string':
      return (v as Buffer).toString('utf8');
    case 'bytes':
      return (v as Buffer).toString('base64');
    case 'bool':
      return v !== 0n;
    case 'int32':
    case 'int64':
    case 'enum':
    case 'sfixed64':
      return Number(BigInt.asIntN(64, BigInt(v as bigint | number)));
    case 'sfixed32':
      return (v as number) | 0;
    case 'uint32':
    case 'uint64':
    case 'fixed32':
    case 'fixed64':
      return Number(BigInt(v as bigint | number));
    case 'sint32':
    case 'sint64': {
      const z = v as bigint;
      return Number((z >> 1n) ^ -(z & 1n));
    }
    case 'double': {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(v as bigint);
      return b.readDoubleLE(0);
    }
    case 'float': {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v as number);
      return b.readFloatLE(0);
    }
    case 'message':
      throw new ProtobufWireError(`field ${field.n} is a message`);
  }
}

const EXPECTED_WIRE: Partial<Record<ProtoField['t'], number>> = {
  string: WIRE_LEN,
  bytes: WIRE_LEN,
  message: WIRE_LEN,
  double: WIRE_FIXED64,
  fixed64: WIRE_FIXED64,
  sfixed64: WIRE_FIXED64,
  float: WIRE_FIXED32,
  fixed32: WIRE_FIXED32,
  sfixed32: WIRE_FIXED32,
};

/** A packed repeated numeric field (one LEN record holding many values) expanded to single values. */
function unpack(field: ProtoField, buf: Buffer): WireField[] {
  const wire = EXPECTED_WIRE[field.t] ?? WIRE_VARINT;
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    // Reuse the message reader by prefixing each value with a synthetic tag for field 1.
    const size = wire === WIRE_FIXED64 ? 8 : wire === WIRE_FIXED32 ? 4 : varintLength(buf, pos);
    const one = readFields(Buffer.concat([Buffer.from([(1 << 3) | wire]), buf.subarray(pos, pos + size)]));
    out.push(...one.map((x) => ({ ...x, no: 0 }) as WireField));
    pos += size;
  }
  return out;
}

function varintLength(buf: Buffer, pos: number): number {
  let i = pos;
  while (i < buf.length && (buf[i]! & 0x80) !== 0) i++;
  return i - pos + 1;
}

function isZero(v: Json | undefined): boolean {
  return v === undefined || v === null || v === '' || v === 0 || v === false;
}

function value(field: ProtoField, f: WireField, table: ProtoTable): Json | undefined {
  if (field.t === 'message') {
    if (f.wire !== WIRE_LEN) throw new ProtobufWireError(`field ${field.n}: wrong wire type ${f.wire}`);
    return decodeMessage(f.value, field.m ?? '', table);
  }
  return scalar(field, f);
}

/**
 * Decodes `buf` as message `type` (fully qualified, no leading dot). Unknown field numbers are skipped,
 * as Go's decoder would keep them out of the object. Returns undefined for a value Go writes as null.
 */
export function decodeMessage(buf: Buffer, type: string, table: ProtoTable): Json | undefined {
  const fields = readFields(buf);
  const special = SPECIAL[type];
  if (special) return special(fields);
  const msg = table.messages[type];
  if (!msg) throw new ProtobufWireError(`unknown message type ${type}`);
  const out: { [key: string]: Json } = {};
  const lists = new Map<string, Json[]>();
  const maps = new Map<string, { [key: string]: Json }>();
  for (const f of fields) {
    const field = msg.f[String(f.no)];
    if (!field) continue;
    const entryType = field.m ? table.messages[field.m] : undefined;
    if (field.r && entryType?.map) {
      const entry = readFields(f.value as Buffer);
      const keyField = entryType.f['1'];
      const valueField = entryType.f['2'];
      const k = entry.filter((e) => e.no === 1).at(-1);
      const v = entry.filter((e) => e.no === 2).at(-1);
      if (!keyField || !valueField) continue;
      const key = k ? String(scalar(keyField, k)) : '';
      const val = v ? (value(valueField, v, table) ?? null) : valueField.t === 'message' ? {} : valueField.t === 'string' || valueField.t === 'bytes' ? '' : 0;
      const m = maps.get(field.n) ?? {};
      m[key] = val;
      maps.set(field.n, m);
    } else if (field.r) {
      const list = lists.get(field.n) ?? [];
      const packed = f.wire === WIRE_LEN && field.t !== 'string' && field.t !== 'bytes' && field.t !== 'message';
      for (const one of packed ? unpack(field, f.value as Buffer) : [f]) list.push(value(field, one, table) ?? null);
      lists.set(field.n, list);
    } else {
      if (f.wire !== (EXPECTED_WIRE[field.t] ?? WIRE_VARINT)) throw new ProtobufWireError(`field ${field.n}: wrong wire type ${f.wire}`);
      const v = value(field, f, table);
      if (field.i) {
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, v);
        continue;
      }
      // Last one wins, as in any protobuf decoder. A value field's zero is Go's zero value, which
      // its JSON encoder leaves out under omitempty (unset) and writes otherwise (kept).
      if (v === undefined || (field.v && !field.z && isZero(v))) delete out[field.n];
      else out[field.n] = v;
    }
  }
  for (const [k, v] of lists) out[k] = v;
  for (const [k, v] of maps) out[k] = v;
  if (msg.slice) return out.items ?? [];
  return out;
}
