// `application/vnd.kubernetes.protobuf` request bodies → the JSON object the JSON path would receive.
// Envelope (k8s.io/apimachinery runtime/serializer/protobuf): the 4 bytes `k8s\0`, then a
// runtime.Unknown {1: TypeMeta{1: apiVersion, 2: kind}, 2: raw object, 3: contentEncoding, 4: contentType}.
// The raw object carries no TypeMeta of its own, so apiVersion and kind are copied from the envelope.
import { ApiError, badRequest } from '../errors.ts';
import { decodeMessage, type Json } from './decode-message.ts';
import { loadProtoTable, type ProtoTable } from './proto-table.ts';
import { ProtobufWireError, readFields, WIRE_LEN } from './wire.ts';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from('k8s\0', 'latin1');

function unsupported(detail: string): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format (${PROTOBUF_MEDIA_TYPE}): ${detail} - accepted media types include: application/json, application/yaml`,
  );
}

/** Proto package suffix for an API group: "" → core, "apps" → apps, "networking.k8s.io" → networking. */
function packageSuffix(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  return `.${group === '' ? 'core' : group.split('.')[0]}.${version}`;
}

const typeCache = new WeakMap<ProtoTable, Map<string, string | null>>();

/** Message type of a top-level kind, e.g. v1/ConfigMap → k8s.io.api.core.v1.ConfigMap; null if none. */
export function messageTypeFor(table: ProtoTable, apiVersion: string, kind: string): string | null {
  let cache = typeCache.get(table);
  if (!cache) typeCache.set(table, (cache = new Map()));
  const key = `${apiVersion}/${kind}`;
  let found = cache.get(key);
  if (found === undefined) {
    const suffix = `${packageSuffix(apiVersion)}.${kind}`;
    found = Object.keys(table.messages).find((name) => name.endsWith(suffix)) ?? null;
    cache.set(key, found);
  }
  return found;
}

export interface DecodeProtobufOptions {
  /** Defaults to generated/k8s-proto-fields.json; null when that is missing. */
  table?: ProtoTable | null;
}

/** Decodes a protobuf request body; throws 415 for kinds we have no schema for and 400 for bad bytes. */
export function decodeProtobufBody(buf: Buffer, options: DecodeProtobufOptions = {}): Json {
  const table = options.table === undefined ? loadProtoTable() : options.table;
  if (!table) {
    throw unsupported('this server has no protobuf field table (generated/k8s-proto-fields.json is built from kubectl at install time; kubectl was not found)');
  }
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw badRequest('provided object is not a protobuf message: missing the k8s protobuf prefix');
  }
  try {
    const envelope = readFields(buf.subarray(MAGIC.length));
    const last = (no: number): Buffer | undefined => envelope.filter((f) => f.no === no && f.wire === WIRE_LEN).at(-1)?.value as Buffer | undefined;
    const typeMeta = readFields(last(1) ?? Buffer.alloc(0));
    const str = (no: number): string =>
      (typeMeta.filter((f) => f.no === no && f.wire === WIRE_LEN).at(-1)?.value as Buffer | undefined)?.toString('utf8') ?? '';
    const apiVersion = str(1);
    const kind = str(2);
    const encoding = last(3)?.toString('utf8') ?? '';
    if (encoding !== '') throw unsupported(`content encoding ${encoding} is not supported`);
    if (!apiVersion || !kind) throw badRequest("Object 'Kind' is missing in protobuf body");
    const type = messageTypeFor(table, apiVersion, kind);
    if (!type) throw unsupported(`no protobuf schema for ${kind} in ${apiVersion}`);
    const object = decodeMessage(last(2) ?? Buffer.alloc(0), type, table);
    const fields = object !== null && typeof object === 'object' && !Array.isArray(object) ? object : {};
    return { apiVersion, kind, ...fields };
  } catch (e) {
    if (e instanceof ProtobufWireError) throw badRequest(`unable to decode protobuf body: ${e.message}`);
    throw e;
  }
}
