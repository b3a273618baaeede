// Protocol Buffers wire format, read side only: enough to walk a message field by field.
// Spec: https://protobuf.dev/programming-guides/encoding/ (varints, four wire types in use).
// Throws ProtobufWireError on truncated or malformed input; callers turn that into a 400.

export class ProtobufWireError extends Error {
  override name = 'ProtobufWireError';
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

/** One field occurrence. `value` is a bigint for varints and fixed64, a Buffer for LEN, a number for fixed32. */
export type WireField =
  | { no: number; wire: typeof WIRE_VARINT | typeof WIRE_FIXED64; value: bigint }
  | { no: number; wire: typeof WIRE_LEN; value: Buffer }
  | { no: number; wire: typeof WIRE_FIXED32; value: number };

/** Reads one varint at `pos`; returns it with the position after it. */
export function readVarint(buf: Buffer, pos: number): { value: bigint; next: number } {
  let result = 0n;
  let shift = 0n;
  for (let i = pos; i < buf.length && shift < 70n; i++) {
    const b = buf[i]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: result, next: i + 1 };
    shift += 7n;
  }
  throw new ProtobufWireError(`truncated varint at offset ${pos}`);
}

/** All fields of one message, in wire order (repeated fields appear once per occurrence). */
export function readFields(buf: Buffer): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const tag = readVarint(buf, pos);
    pos = tag.next;
    const no = Number(tag.value >> 3n);
    const wire = Number(tag.value & 7n);
    if (no === 0) throw new ProtobufWireError(`invalid field number 0 at offset ${pos}`);
    if (wire === WIRE_VARINT) {
      const v = readVarint(buf, pos);
      pos = v.next;
      fields.push({ no, wire, value: v.value });
    } else if (wire === WIRE_LEN) {
      const len = readVarint(buf, pos);
      const start = len.next;
      const end = start + Number(len.value);
      if (len.value > BigInt(buf.length) || end > buf.length) throw new ProtobufWireError(`field ${no} overruns the message`);
      fields.push({ no, wire, value: buf.subarray(start, end) });
      pos = end;
    } else if (wire === WIRE_FIXED64) {
      if (pos + 8 > buf.length) throw new ProtobufWireError(`truncated fixed64 field ${no}`);
      fields.push({ no, wire, value: buf.readBigUInt64LE(pos) });
      pos += 8;
    } else if (wire === WIRE_FIXED32) {
      if (pos + 4 > buf.length) throw new ProtobufWireError(`truncated fixed32 field ${no}`);
      fields.push({ no, wire, value: buf.readUInt32LE(pos) });
      pos += 4;
    } else {
      throw new ProtobufWireError(`unsupported wire type ${wire} for field ${no}`);
    }
  }
  return fields;
}
