// Recovering Kubernetes' protobuf schema from a Go binary that links client-go (kubectl).
// Go protobuf code registers each generated.proto as a gzipped FileDescriptorProto
// (`proto.RegisterFile("k8s.io/api/core/v1/generated.proto", ...)`), so the binary carries the field
// numbers, names and types of every built-in kind. We find those gzip streams, inflate them and read
// them with descriptor.proto's own (stable, public) field numbers.
import { constants, gunzipSync } from 'node:zlib';
import type { ProtoField, ProtoKind, ProtoMessage, ProtoTable } from './proto-table.ts';
import { readFields, WIRE_LEN, WIRE_VARINT, type WireField } from './wire.ts';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
/** No single descriptor is near this size (core/v1 is ~75 KiB compressed far less); bounds each inflate. */
const MAX_COMPRESSED = 1 << 20;

/** descriptor.proto FieldDescriptorProto.Type values, index = enum number. */
const KINDS: readonly (ProtoKind | undefined)[] = [
  undefined,
  'double',
  'float',
  'int64',
  'uint64',
  'int32',
  'fixed64',
  'fixed32',
  'bool',
  'string',
  undefined /* group: not used by Kubernetes */,
  'message',
  'bytes',
  'uint32',
  'enum',
  'sfixed32',
  'sfixed64',
  'sint32',
  'sint64',
];
const LABEL_REPEATED = 3n;
/** gogoproto.nullable (extension 65001 of FieldOptions): false marks a Go value (non-pointer) field. */
const GOGO_NULLABLE = 65001;
/** MessageOptions.map_entry. */
const MAP_ENTRY = 7;
/**
 * gogoproto.goproto_stringer (extension 64003 of MessageOptions): false on the types Kubernetes
 * hand-marshals; among them, the one-field `items` messages are Go named slices.
 */
const GOGO_STRINGER = 64003;

/** FileDescriptorProto bytes of every `k8s.io/...` proto file embedded in `binary`. */
export function extractK8sFileDescriptors(binary: Buffer): Buffer[] {
  const found = new Map<string, Buffer>();
  for (let i = binary.indexOf(GZIP_MAGIC); i >= 0; i = binary.indexOf(GZIP_MAGIC, i + 1)) {
    let out: Buffer;
    try {
      // SYNC_FLUSH: the slice usually ends mid-stream or carries trailing bytes; take what inflates.
      out = gunzipSync(binary.subarray(i, i + MAX_COMPRESSED), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      continue;
    }
    const name = fileName(out);
    if (name?.startsWith('k8s.io/') && name.endsWith('.proto') && !found.has(name)) found.set(name, out);
  }
  return [...found.values()];
}

function fileName(desc: Buffer): string | undefined {
  try {
    const first = readFields(desc)[0];
    return first?.no === 1 && first.wire === WIRE_LEN ? first.value.toString('utf8') : undefined;
  } catch {
    return undefined;
  }
}

function str(fields: WireField[], no: number): string | undefined {
  const f = fields.find((x) => x.no === no && x.wire === WIRE_LEN);
  return f ? (f.value as Buffer).toString('utf8') : undefined;
}

function varint(fields: WireField[], no: number): bigint | undefined {
  const f = fields.find((x) => x.no === no && x.wire === WIRE_VARINT);
  return f ? (f.value as bigint) : undefined;
}

function children(fields: WireField[], no: number): WireField[][] {
  return fields.filter((x) => x.no === no && x.wire === WIRE_LEN).map((x) => readFields(x.value as Buffer));
}

/** The decoder's table from FileDescriptorProto bytes (see extractK8sFileDescriptors). */
export function buildProtoTable(files: Buffer[], source: string): ProtoTable {
  const messages: Record<string, ProtoMessage> = {};
  const addMessage = (msg: WireField[], scope: string): void => {
    const full = `${scope}.${str(msg, 1) ?? ''}`;
    const entry: ProtoMessage = { f: {} };
    const options = children(msg, 7)[0];
    if (options && varint(options, MAP_ENTRY) === 1n) entry.map = true;
    for (const fd of children(msg, 2)) {
      const kind = KINDS[Number(varint(fd, 5) ?? 0n)];
      const name = str(fd, 1);
      const no = varint(fd, 3);
      if (!kind || !name || no === undefined) continue;
      const field: ProtoField = { n: name, t: kind };
      if (varint(fd, 4) === LABEL_REPEATED) field.r = true;
      const typeName = str(fd, 6);
      if (typeName) field.m = typeName.replace(/^\./, '');
      const fieldOptions = children(fd, 8)[0];
      if (fieldOptions && varint(fieldOptions, GOGO_NULLABLE) === 0n) field.v = true;
      entry.f[String(no)] = field;
    }
    const only = Object.values(entry.f);
    if (options && varint(options, GOGO_STRINGER) === 0n && only.length === 1 && only[0]?.n === 'items' && only[0].r) {
      entry.slice = true;
    }
    messages[full] = entry;
    for (const nested of children(msg, 3)) addMessage(nested, full);
  };
  for (const file of files) {
    const fields = readFields(file);
    const pkg = str(fields, 2) ?? '';
    for (const msg of children(fields, 4)) addMessage(msg, pkg);
  }
  const sorted: Record<string, ProtoMessage> = {};
  for (const key of Object.keys(messages).sort()) sorted[key] = messages[key]!;
  return { source, messages: sorted };
}
