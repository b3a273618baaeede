// The one generic store that serves every resource. Resources differ only in their registry entry
// (defaults, validation, strategy); this file owns the request-independent semantics: UIDs and
// timestamps, optimistic concurrency on resourceVersion, graceful deletion and finalizers, generation
// bumps, no-op updates that write nothing, dry runs, and list paging at a consistent revision.
import { randomUUID, randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Backend, KeyValue } from '../../storage/index.ts';
import { CompactedError } from '../../storage/index.ts';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  gone,
  invalid,
  notFound,
  type FieldError,
} from '../errors.ts';
import type { DeleteOptions, KObject, ResourceEntry, StrategyContext } from '../registry/types.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.ts';
import { decode, deepClone, encode, listPrefix, objectKey } from './codec.ts';
import type { StoreHooks } from './store-hooks.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

/** Admission: may mutate `obj` or throw an ApiError to refuse the write. */
export type AdmissionPlugin = (attrs: {
  operation: Operation;
  entry: ResourceEntry;
  namespace: string | undefined;
  obj: KObject;
  old: KObject | undefined;
  subresource: string | undefined;
}) => void | Promise<void>;

/** Records the field manager of a write in metadata.managedFields (server-side apply bookkeeping). */
export type ManagedFieldsUpdater = (old: KObject | undefined, obj: KObject, manager: string, subresource: string | undefined) => KObject;

export interface StoreDeps {
  readonly backend: Backend;
  readonly clock: StrategyContext;
  readonly admission?: AdmissionPlugin[];
  readonly managedFields?: ManagedFieldsUpdater;
  readonly hooks?: StoreHooks;
}

export interface WriteOptions {
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
}

export interface ListOptions {
  readonly labelMatch?: (labels: Record<string, string> | undefined) => boolean;
  readonly fieldMatch?: (obj: KObject) => boolean;
  readonly limit?: number;
  readonly continueToken?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
}

export interface ListResult {
  readonly items: KObject[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

export interface DeleteResult {
  readonly object: KObject;
  /** True when the object is gone now; false when deletion is pending (grace period, finalizers). */
  readonly deleted: boolean;
}

const MAX_CAS_RETRIES = 20;
/** Objects decoded by a list before it yields to the event loop. */
const DECODE_SLICE = 500;

/** Finalizers the garbage collector acts on (metav1.FinalizerOrphanDependents / FinalizerDeleteDependents). */
export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/**
 * Optional deletion hooks an entry may carry beside ResourceEntry (namespaces: spec.finalizers).
 * `prepareForDelete` marks the copy of the object being deleted and returns true when deletion
 * must wait; `deletePending` says whether an object with a deletionTimestamp and no
 * metadata.finalizers must still be kept by an update.
 */
export interface DeleteHooks {
  prepareForDelete?(obj: KObject, ctx: StrategyContext): boolean;
  deletePending?(obj: KObject): boolean;
}

/**
 * The finalizers after a delete with `options`, as upstream deletionFinalizersForGarbageCollection:
 * Foreground adds `foregroundDeletion` (and drops `orphan`), Orphan (or orphanDependents: true) the
 * reverse, Background drops both; no policy keeps what the object has (the default policy of
 * every Peapod resource is Background).
 */
export function gcFinalizers(current: readonly string[], options: DeleteOptions): string[] {
  const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
  if (policy === undefined) return [...current];
  const rest = current.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === 'Foreground') return [...rest, FOREGROUND_FINALIZER];
  if (policy === 'Orphan') return [...rest, ORPHAN_FINALIZER];
  return rest;
}

export class GenericStore {
  readonly entry: ResourceEntry;
  private readonly deps: StoreDeps;

  constructor(entry: ResourceEntry, deps: StoreDeps) {
    this.entry = entry;
    this.deps = deps;
  }

  /** Decodes a stored object as this entry serves it (another version's apiVersion is rewritten). */
  private read(kv: KeyValue, revision?: number): KObject {
    return this.served(decode(kv, revision));
  }

  /** With conversion None, a custom resource stored through another version differs only in apiVersion. */
  served(obj: KObject): KObject {
    if (this.entry.convert && obj.apiVersion !== this.apiVersion) return this.entry.convert(obj);
    if (this.entry.convertApiVersion && obj.apiVersion !== this.apiVersion) obj.apiVersion = this.apiVersion;
    return obj;
  }

  private get ref() {
    return { group: this.entry.group, resource: this.entry.resource };
  }

  key(namespace: string | undefined, name: string): string {
    return objectKey(this.entry, namespace, name);
  }

  async get(namespace: string | undefined, name: string): Promise<KObject> {
    const kv = await this.deps.backend.get(this.key(namespace, name));
    if (!kv) throw notFound(this.ref, name);
    return this.read(kv);
  }

  private async getKv(namespace: string | undefined, name: string): Promise<KeyValue> {
    const kv = await this.deps.backend.get(this.key(namespace, name));
    if (!kv) throw notFound(this.ref, name);
    return kv;
  }

  async list(namespace: string | undefined, options: ListOptions = {}): Promise<ListResult> {
    const prefix = listPrefix(this.entry, namespace);
    let revision: number | undefined;
    let startAfter: string | undefined;
    if (options.continueToken) {
      const token = decodeContinue(options.continueToken);
      revision = token.rv;
      startAfter = token.start;
    } else if (options.resourceVersion && options.resourceVersion !== '0') {
      const rv = parseResourceVersion(options.resourceVersion);
      if (options.resourceVersionMatch === 'Exact') revision = rv;
      // Another API server on the same etcd may have handed out `rv`: one read refreshes what this
      // process knows of the current revision before calling it too large.
      else if (rv > this.deps.backend.currentRevision() && (await this.deps.backend.get(prefix), rv > this.deps.backend.currentRevision())) {
        throw new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${this.deps.backend.currentRevision()}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        });
      }
    }
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const filtered = Boolean(options.labelMatch || options.fieldMatch);
    const items: KObject[] = [];
    let readRevision: number | undefined = revision;
    let more = false;
    let remaining = 0;
    // Page through the backend until `limit` matching items are found (selectors may skip many).
    for (;;) {
      const batch = limit ? Math.max(limit * 2, 100) : 0;
      let res;
      try {
        res = await this.deps.backend.list(prefix, { revision: readRevision, limit: batch, startAfter });
      } catch (e) {
        if (e instanceof CompactedError) {
          throw gone(
            options.continueToken
              ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.'
              : `too old resource version: ${e.requested} (${e.compactRevision})`,
          );
        }
        throw e;
      }
      readRevision = res.revision;
      for (let i = 0; i < res.items.length; i++) {
        // Decoding thousands of objects is the costly part of a large list: let queued requests
        // (writes above all) run between slices instead of waiting for the whole list.
        if (i > 0 && i % DECODE_SLICE === 0) await new Promise<void>((r) => setImmediate(r));
        const kv = res.items[i]!;
        startAfter = kv.key;
        const obj = this.read(kv);
        if (options.labelMatch && !options.labelMatch(obj.metadata?.labels)) continue;
        if (options.fieldMatch && !options.fieldMatch(obj)) continue;
        items.push(obj);
        if (limit && items.length === limit) {
          const leftInBatch = res.items.length - i - 1;
          more = leftInBatch > 0 || res.remaining > 0;
          remaining = leftInBatch + res.remaining;
          break;
        }
      }
      if ((limit && items.length === limit) || res.remaining === 0 || !batch) break;
    }
    const rv = String(readRevision ?? this.deps.backend.currentRevision());
    if (!more) return { items, resourceVersion: rv };
    return {
      items,
      resourceVersion: rv,
      continueToken: encodeContinue({ rv: Number(rv), start: startAfter ?? '' }),
      ...(filtered ? {} : { remainingItemCount: remaining }),
    };
  }

  async create(namespace: string | undefined, input: KObject, options: WriteOptions = {}): Promise<KObject> {
    const obj = deepClone(input);
    const meta = (obj.metadata ??= {});
    this.checkNamespace(namespace, meta.namespace);
    if (this.entry.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    obj.apiVersion = this.apiVersion;
    obj.kind = this.entry.kind;
    const refused = this.entry.refuseCreate?.();
    if (refused) throw new ApiError(405, 'MethodNotAllowed', refused);

    this.entry.defaults?.(obj);
    this.entry.prepareForCreate?.(obj, this.deps.clock);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.deps.clock.now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    if (this.entry.hasGeneration) meta.generation = 1;
    else delete meta.generation;
    if (meta.selfLink !== undefined) delete meta.selfLink;

    await this.admit('CREATE', namespace, obj, undefined, undefined);
    const finish = await this.deps.hooks?.beginCreate?.(obj, { dryRun: options.dryRun === true });
    let stored = false;
    try {
      this.validateNew(obj);
      const written = this.deps.managedFields && options.fieldManager ? this.deps.managedFields(undefined, obj, options.fieldManager, undefined) : obj;
      if (options.dryRun) return { ...written, metadata: { ...written.metadata, resourceVersion: undefined } };
      const res = await this.deps.backend.create(this.key(namespace, meta.name!), encode(written));
      if (!res.ok) throw alreadyExists(this.ref, meta.name!);
      stored = true;
      return this.read(res.kv);
    } finally {
      await finish?.(stored);
    }
  }

  /**
   * Read-modify-write with optimistic concurrency. `mutate` gets a fresh copy of the live object
   * and returns the desired object (or throws an ApiError). If the desired object carries a
   * resourceVersion that differs from the live one, the write fails with 409 Conflict; otherwise a
   * lost race is retried with the new live object. With `bodyPrecondition` (PUT) a resourceVersion
   * in the desired object is the client's precondition even when it equals the live one, so a lost
   * race is a 409; otherwise (patches, subresources) one inherited from the live copy is not.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    mutate: (live: KObject) => KObject | Promise<KObject>,
    options: WriteOptions & { subresource?: string; bodyPrecondition?: boolean } = {},
  ): Promise<{ object: KObject; created: boolean }> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const kv = await this.deps.backend.get(this.key(namespace, name));
      if (!kv) throw notFound(this.ref, name);
      const live = this.read(kv);
      const desired = await mutate(deepClone(live));
      if (!options.bodyPrecondition && desired.metadata?.resourceVersion === live.metadata?.resourceVersion) {
        desired.metadata = { ...desired.metadata, resourceVersion: undefined };
      }
      const result = await this.writeUpdate(namespace, name, kv, live, desired, options);
      if (result) return { object: result, created: false };
    }
    throw conflict(this.ref, name, 'too many concurrent writers; please retry');
  }

  /** PUT semantics: the body is the whole new object. */
  async update(
    namespace: string | undefined,
    name: string,
    input: KObject,
    options: WriteOptions & { subresource?: string } = {},
  ): Promise<KObject> {
    this.checkNamespace(namespace, input.metadata?.namespace);
    if (input.metadata?.name !== undefined && input.metadata.name !== name) {
      throw badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    const { object } = await this.guaranteedUpdate(namespace, name, () => deepClone(input), { ...options, bodyPrecondition: true });
    return object;
  }

  /** Returns the stored object, or undefined if the CAS lost a race and must be retried. */
  private async writeUpdate(
    namespace: string | undefined,
    name: string,
    kv: KeyValue,
    live: KObject,
    input: KObject,
    options: WriteOptions & { subresource?: string },
  ): Promise<KObject | undefined> {
    const rv = input.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== String(kv.modRevision)) throw conflict(this.ref, name);
    const obj = this.prepareUpdate(namespace, name, live, input, options.subresource);
    await this.admit('UPDATE', namespace, obj, live, options.subresource);
    const finish = options.subresource === undefined ? await this.deps.hooks?.beginUpdate?.(obj, live, { dryRun: options.dryRun === true }) : undefined;
    let stored = false;
    try {
      const result = await this.storeUpdate(kv, live, obj, options, rv);
      stored = result !== undefined && result !== live;
      return result;
    } finally {
      await finish?.(stored);
    }
  }

  private async storeUpdate(kv: KeyValue, live: KObject, obj: KObject, options: WriteOptions & { subresource?: string }, rv: string | undefined): Promise<KObject | undefined> {
    const name = live.metadata?.name ?? '';
    this.validateUpdated(obj, live, options.subresource);
    let written = obj;
    if (this.deps.managedFields && options.fieldManager) {
      written = this.deps.managedFields(live, obj, options.fieldManager, options.subresource);
    }
    // Unchanged objects are not written: no new resourceVersion, no watch event (as upstream).
    const { resourceVersion: _a, ...liveMeta } = live.metadata ?? {};
    const { resourceVersion: _b, ...newMeta } = written.metadata ?? {};
    if (isDeepStrictEqual({ ...live, metadata: liveMeta }, { ...written, metadata: newMeta })) return live;

    // An object being deleted whose last finalizer was just removed is deleted now.
    const finalizing =
      written.metadata?.deletionTimestamp &&
      (written.metadata.finalizers ?? []).length === 0 &&
      !(this.entry as ResourceEntry & DeleteHooks).deletePending?.(written);
    if (options.dryRun) return written;
    if (finalizing && (written.metadata?.deletionGracePeriodSeconds ?? 0) === 0) {
      const res = await this.deps.backend.delete(kv.key, kv.modRevision);
      if (!res.ok) return undefined;
      await this.deps.hooks?.afterDelete?.(live);
      return { ...written, metadata: { ...written.metadata, resourceVersion: String(res.revision) } };
    }
    const res = await this.deps.backend.update(kv.key, encode(written), kv.modRevision);
    if (!res.ok) {
      if (rv) throw conflict(this.ref, name);
      return undefined;
    }
    return this.read(res.kv);
  }

  private prepareUpdate(namespace: string | undefined, name: string, live: KObject, input: KObject, subresource: string | undefined): KObject {
    const obj = deepClone(input);
    obj.apiVersion = this.apiVersion;
    obj.kind = this.entry.kind;
    const meta = (obj.metadata ??= {});
    const oldMeta = live.metadata ?? {};
    if (subresource === 'status') {
      // The status subresource changes status only (plus labels/annotations as upstream allows).
      const merged: KObject = { ...deepClone(live), status: obj.status };
      merged.metadata = { ...deepClone(oldMeta), labels: meta.labels ?? oldMeta.labels, annotations: meta.annotations ?? oldMeta.annotations };
      this.entry.prepareForStatusUpdate?.(merged, live);
      return merged;
    }
    meta.name = name;
    if (this.entry.namespaced) meta.namespace = namespace;
    // Fields owned by the server.
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    meta.generation = oldMeta.generation;
    if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    if (meta.generateName === undefined && oldMeta.generateName !== undefined) meta.generateName = oldMeta.generateName;
    if (meta.managedFields === undefined && oldMeta.managedFields !== undefined) meta.managedFields = oldMeta.managedFields;
    // Internal subresources (binding, scale...) are trusted to change exactly what they mean to.
    if (subresource !== undefined) return obj;
    this.entry.defaults?.(obj);
    if (this.entry.hasStatus) {
      if (live.status !== undefined) obj.status = deepClone(live.status);
      else delete obj.status;
    }
    this.entry.prepareForUpdate?.(obj, live);
    if (this.entry.hasGeneration && !isDeepStrictEqual(specOf(obj), specOf(live))) {
      meta.generation = (oldMeta.generation ?? 1) + 1;
    }
    return obj;
  }

  async delete(namespace: string | undefined, name: string, options: DeleteOptions = {}, write: WriteOptions = {}): Promise<DeleteResult> {
    if (this.entry.protectedNames?.includes(name)) {
      throw new ApiError(403, 'Forbidden', `${this.entry.resource} "${name}" is forbidden: this ${this.entry.singular} may not be deleted`, {
        name,
        kind: this.entry.resource,
      });
    }
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const kv = await this.getKv(namespace, name);
      const live = this.read(kv);
      const meta = live.metadata ?? {};
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw conflict(this.ref, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw conflict(
          this.ref,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`,
        );
      }
      await this.admit('DELETE', namespace, live, live, undefined);

      const now = this.deps.clock.now();
      const grace = this.entry.gracePeriod?.(live, options);
      const finalizers = gcFinalizers(meta.finalizers ?? [], options);
      const updated = deepClone(live);
      const umeta = (updated.metadata ??= {});
      if (!isDeepStrictEqual(finalizers, meta.finalizers ?? [])) umeta.finalizers = finalizers;
      let pending = (this.entry as ResourceEntry & DeleteHooks).prepareForDelete?.(updated, this.deps.clock) ?? false;
      if (grace !== undefined && grace > 0) {
        // Graceful: set (or shorten) the deletion deadline; whoever runs the object finishes it.
        const current = meta.deletionGracePeriodSeconds;
        if (meta.deletionTimestamp && current !== undefined && current <= grace) return { object: live, deleted: false };
        umeta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
        umeta.deletionGracePeriodSeconds = grace;
        pending = true;
      }
      if (finalizers.length > 0 || pending) {
        if (!umeta.deletionTimestamp) umeta.deletionTimestamp = rfc3339(now);
        if (umeta.deletionGracePeriodSeconds === undefined) umeta.deletionGracePeriodSeconds = 0;
        pending = true;
      }
      if (pending) {
        if (write.dryRun) return { object: updated, deleted: false };
        if (isDeepStrictEqual(updated, live)) return { object: live, deleted: false };
        const res = await this.deps.backend.update(kv.key, encode(updated), kv.modRevision);
        if (!res.ok) continue;
        return { object: this.read(res.kv), deleted: false };
      }
      if (write.dryRun) return { object: live, deleted: true };
      const res = await this.deps.backend.delete(kv.key, kv.modRevision);
      if (!res.ok) continue;
      await this.deps.hooks?.afterDelete?.(live);
      return { object: { ...live, metadata: { ...meta, resourceVersion: String(res.revision) } }, deleted: true };
    }
    throw conflict(this.ref, name, 'too many concurrent writers; please retry');
  }

  get apiVersion(): string {
    return this.entry.group ? `${this.entry.group}/${this.entry.version}` : this.entry.version;
  }

  private checkNamespace(urlNamespace: string | undefined, bodyNamespace: string | undefined): void {
    if (!this.entry.namespaced) return;
    if (bodyNamespace && urlNamespace && bodyNamespace !== urlNamespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }

  private async admit(op: Operation, namespace: string | undefined, obj: KObject, old: KObject | undefined, subresource: string | undefined) {
    for (const plugin of this.deps.admission ?? []) await plugin({ operation: op, entry: this.entry, namespace, obj, old, subresource });
  }

  private validateNew(obj: KObject): void {
    const errs: FieldError[] = [
      ...validateObjectMeta(obj.metadata ?? {}, this.metaOptions),
      ...(this.entry.validate?.(obj) ?? []),
    ];
    if (errs.length) throw invalid(this.entry.group, this.entry.kind, obj.metadata?.name ?? '', errs);
  }

  private get metaOptions() {
    return { namespaced: this.entry.namespaced, nameValidator: this.entry.nameValidator };
  }

  private validateUpdated(obj: KObject, old: KObject, subresource: string | undefined): void {
    const errs: FieldError[] = [
      ...validateObjectMeta(obj.metadata ?? {}, this.metaOptions),
      ...validateObjectMetaUpdate(obj.metadata ?? {}, old.metadata ?? {}),
      ...(this.entry.validate?.(obj) ?? []),
      ...(subresource === undefined ? (this.entry.validateUpdate?.(obj, old) ?? []) : []),
      ...(subresource === 'status' ? (this.entry.validateStatusUpdate?.(obj, old) ?? []) : []),
    ];
    if (errs.length) throw invalid(this.entry.group, this.entry.kind, obj.metadata?.name ?? '', errs);
  }
}

function specOf(obj: KObject): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function randomSuffix(): string {
  // Upstream uses 5 characters from a consonant/digit alphabet that avoids bad words.
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(5);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) throw badRequest(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
  return Number(rv);
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'peapod.v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (t.v !== 'peapod.v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad');
    return { rv: t.rv, start: t.start };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

