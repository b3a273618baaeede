// Backend keys ↔ etcd keys, etcd key-values ↔ Backend KeyValues, and etcd errors ↔ Backend errors.
//
// The apiserver's keys start with `/registry/`; upstream stores them in etcd under `--etcd-prefix`
// (default `/registry`), so the leading `apiRoot` of a key is replaced by `prefix`. With the
// defaults an object lands exactly where kube-apiserver would put it: `/registry/pods/default/web`.
import type { IKeyValue } from 'etcd3';
import type { KeyValue } from '../backend.ts';

export interface KeyMapping {
  /** etcd-side prefix (`--etcd-prefix`). */
  readonly prefix: string;
  /** The part of every Backend key that `prefix` replaces ('/registry' for the apiserver). */
  readonly apiRoot: string;
}

export function toEtcdKey(mapping: KeyMapping, key: string): Buffer {
  if (!key.startsWith(mapping.apiRoot)) throw new Error(`storage key ${JSON.stringify(key)} is outside ${mapping.apiRoot}`);
  return Buffer.from(mapping.prefix + key.slice(mapping.apiRoot.length));
}

export function fromEtcdKey(mapping: KeyMapping, key: Buffer): string {
  return mapping.apiRoot + key.toString('utf8').slice(mapping.prefix.length);
}

/** The exclusive end of the etcd range holding every key that starts with `start` (byte order). */
export function rangeEnd(start: Buffer): Buffer {
  const end = Buffer.from(start);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // every key from start on
}

export function toKeyValue(mapping: KeyMapping, kv: IKeyValue): KeyValue {
  return {
    key: fromEtcdKey(mapping, kv.key),
    value: kv.value.toString('utf8'),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}

/** etcd's gRPC error for a read or watch below the compacted revision. */
export function isCompactedError(error: unknown): boolean {
  return error instanceof Error && error.message.includes('required revision has been compacted');
}

/** etcd's gRPC error for a read or compaction above the current revision. */
export function isFutureRevisionError(error: unknown): boolean {
  return error instanceof Error && error.message.includes('required revision is a future revision');
}
