// The one generic store that serves every resource. Resources differ only in their registry entry
// (defaults, validation, strategy); this file runs the verbs: UIDs and timestamps, optimistic
// concurrency on resourceVersion, admission and validation in order, no-op updates that write
// nothing, and dry runs. Its concerns live beside it: paging.ts (list at a consistent revision),
// update-strategy.ts, graceful-delete.ts + gc-finalizers.ts, admission-types.ts.
import { randomUUID } from 'node:crypto';
import type { Backend, KeyValue } from '../../storage/index.ts';
import { ApiError, alreadyExists, badRequest, conflict, invalid, notFound, type FieldError } from '../errors.ts';
import type { DeleteOptions, KObject, ResourceEntry, StrategyContext } from '../registry/types.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.ts';
import type { AdmissionPlugin, ManagedFieldsUpdater, Operation } from './admission-types.ts';
import { decode, deepClone, encode, listPrefix, objectKey, withRevision } from './codec.ts';
import { randomSuffix } from './generate-name.ts';
import { planDelete, type DeleteHooks } from './graceful-delete.ts';
import { listPaged, type ListOptions, type ListResult } from './paging.ts';
import type { StoreHooks } from './store-hooks.ts';
import type { UserInfo } from '../auth/tokens.ts';
import { type ObjectCache, SharedObject } from '../watch/object-cache.ts';
import { rfc3339 } from '../../api/time.ts';
import { jsonEqual, SHARED_SHAPE } from '../../util/index.ts';
import { prepareUpdate, unchanged } from './update-strategy.ts';

// The store's concerns live in their own files; these re-exports keep one import path for callers.
export type { AdmissionPlugin, ManagedFieldsUpdater, Operation } from './admission-types.ts';
export { FOREGROUND_FINALIZER, gcFinalizers, ORPHAN_FINALIZER } from './gc-finalizers.ts';
export type { DeleteHooks } from './graceful-delete.ts';
export { parseResourceVersion, type ListOptions, type ListResult } from './paging.ts';

export interface StoreDeps {
  readonly backend: Backend;
  readonly clock: StrategyContext;
  readonly admission?: AdmissionPlugin[];
  readonly managedFields?: ManagedFieldsUpdater;
  readonly hooks?: StoreHooks;
  /** Decoded/encoded objects shared by reads (getShared, listShared); without it each read decodes. */
  readonly objects?: ObjectCache;
}

export interface WriteOptions {
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  /** The user the request acts as, for admission (NodeRestriction, RBAC escalation); none for the server's own writes. */
  readonly user?: UserInfo;
  /**
   * The input is the caller's to give away (a request body decoded for this call, read by nobody
   * afterwards): a create changes it in place, a status update keeps the client's status by
   * reference. Otherwise both copy it.
   */
  readonly ownsInput?: boolean;
}

export interface DeleteResult {
  readonly object: KObject;
  /** True when the object is gone now; false when deletion is pending (grace period, finalizers). */
  readonly deleted: boolean;
}

const MAX_CAS_RETRIES = 20;

/** Where a state is stored: its key and the revision that wrote it (what a CAS compares). */
type StoredAt = Pick<KeyValue, 'key' | 'modRevision'>;

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

  /**
   * A stored row as this entry serves it, shared with every other reader: the object cache's own
   * when no conversion applies, else a converted copy (never the cached object rewritten).
   */
  private shared(kv: KeyValue): SharedObject {
    return this.servedShared(this.deps.objects ? this.deps.objects.read(kv) : new SharedObject(decode(kv), kv.modRevision));
  }

  /** `stored` as this entry serves it: itself, or a converted copy. */
  private servedShared(stored: SharedObject): SharedObject {
    const obj = stored.object;
    if (obj.apiVersion === this.apiVersion || !(this.entry.convert || this.entry.convertApiVersion)) return stored;
    return new SharedObject(this.entry.convert ? this.entry.convert(obj) : { ...obj, apiVersion: this.apiVersion }, stored.modRevision);
  }

  /**
   * Stores `obj` (encoded) with `put`, telling the object cache first, so that the write's watch
   * event shares `obj` instead of decoding what was just encoded. `obj` is the store's own from
   * here on: nothing may change it.
   */
  private async write<R extends { ok: boolean }>(key: string, obj: KObject, put: (value: string) => Promise<R>): Promise<R> {
    const value = encode(obj);
    const objects = this.deps.objects;
    objects?.expectWrite(key, value, obj);
    let ok = false;
    try {
      const res = await put(value);
      ok = res.ok;
      return res;
    } finally {
      if (!ok) objects?.cancelWrite(key, value);
    }
  }

  /**
   * What a write returns: the stored state as the object cache shares it (its watch event has
   * normally arrived by now), else the written object with its resourceVersion. Read-only.
   */
  private stored(kv: KeyValue, written: KObject): KObject {
    return this.deps.objects?.current(kv.key, kv.modRevision)?.object ?? withRevision(written, kv.modRevision);
  }

  /**
   * The shared state behind an object a write returned, when the object cache holds that very
   * object: a response can send its encoding, made once for it and every watcher.
   */
  sharedOf(obj: KObject): SharedObject | undefined {
    const meta = obj.metadata;
    if (!this.deps.objects || !meta?.name || !meta.resourceVersion) return undefined;
    const shared = this.deps.objects.current(this.key(meta.namespace, meta.name), Number(meta.resourceVersion));
    return shared?.holds(obj) ? shared : undefined;
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

  /** Like get, but the object is the shared one: for lookups that only read it (no decode on a cache hit). */
  async getReadOnly(namespace: string | undefined, name: string): Promise<KObject> {
    return (await this.getShared(namespace, name)).object;
  }

  /** Like get, but the object is shared (read-only) and carries its JSON, encoded once. */
  async getShared(namespace: string | undefined, name: string): Promise<SharedObject> {
    return (await this.liveState(this.key(namespace, name), name)).shared;
  }

  private async getKv(namespace: string | undefined, name: string): Promise<KeyValue> {
    const kv = await this.deps.backend.get(this.key(namespace, name));
    if (!kv) throw notFound(this.ref, name);
    return kv;
  }

  /**
   * The live state of `key`: its revision and shared object, and the stored row when it had to be
   * read. When the cache holds the live revision, the value need not leave storage at all. Keys
   * the cache holds nothing of (Events, objects not read since a restart) go straight to one read.
   */
  private async liveState(key: string, name: string): Promise<{ at: StoredAt; shared: SharedObject; kv?: KeyValue }> {
    const held = this.deps.objects?.newest(key);
    if (held && this.deps.backend.modRevision) {
      const revision = await this.deps.backend.modRevision(key);
      if (revision === undefined) throw notFound(this.ref, name);
      if (revision === held.modRevision) return { at: { key, modRevision: revision }, shared: this.servedShared(held) };
    }
    const kv = await this.deps.backend.get(key);
    if (!kv) throw notFound(this.ref, name);
    return { at: kv, shared: this.shared(kv), kv };
  }

  /** Objects the caller owns (fresh copies it may change). */
  list(namespace: string | undefined, options: ListOptions = {}): Promise<ListResult> {
    return listPaged(this.deps.backend, { prefix: listPrefix(this.entry, namespace), read: (kv) => this.read(kv), objectOf: (o) => o, options });
  }

  /** Like list, but the objects are shared (read-only) and carry their JSON, encoded once: for responses. */
  listShared(namespace: string | undefined, options: ListOptions = {}): Promise<ListResult<SharedObject>> {
    return listPaged(this.deps.backend, { prefix: listPrefix(this.entry, namespace), read: (kv) => this.shared(kv), objectOf: (s) => s.object, options });
  }

  /** Creates the object; returns the stored state, shared with the watch cache: read-only. */
  async create(namespace: string | undefined, input: KObject, options: WriteOptions = {}): Promise<KObject> {
    const obj = options.ownsInput ? input : deepClone(input);
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

    await this.admit('CREATE', namespace, obj, undefined, undefined, options.user);
    const finish = await this.deps.hooks?.beginCreate?.(obj, { dryRun: options.dryRun === true });
    let stored = false;
    try {
      this.validateNew(obj);
      const written = this.deps.managedFields && options.fieldManager ? this.deps.managedFields(undefined, obj, options.fieldManager, undefined) : obj;
      if (options.dryRun) return { ...written, metadata: { ...SHARED_SHAPE, ...written.metadata, resourceVersion: undefined } };
      const key = this.key(namespace, meta.name!);
      const res = await this.write(key, written, (value) => this.deps.backend.create(key, value));
      if (!res.ok) throw alreadyExists(this.ref, meta.name!);
      stored = true;
      return this.stored(res.kv, written);
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
   * The object returned is the stored state, shared with the watch cache: read-only.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    mutate: (live: KObject) => KObject | Promise<KObject>,
    options: WriteOptions & { subresource?: string; bodyPrecondition?: boolean } = {},
  ): Promise<{ object: KObject; created: boolean }> {
    return this.casUpdate(
      namespace,
      name,
      async (copyOfLive) => {
        const copy = copyOfLive();
        const desired = await mutate(copy);
        // A mutate that changed the copy in place (binding, say) hands back an object nobody else
        // holds: prepareUpdate need not copy it again.
        return { desired, owned: desired === copy };
      },
      options,
    );
  }

  /** PUT semantics: the body is the whole new object. */
  async update(namespace: string | undefined, name: string, input: KObject, options: WriteOptions & { subresource?: string } = {}): Promise<KObject> {
    this.checkNamespace(namespace, input.metadata?.namespace);
    if (input.metadata?.name !== undefined && input.metadata.name !== name) {
      throw badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    // A status update only takes parts of its input by reference, which a retry may do again;
    // anything else changes it in place, so a caller's object is copied. No copy of the live
    // object is made: the body replaces it.
    const owned = options.ownsInput === true && options.subresource === 'status';
    const { object } = await this.casUpdate(namespace, name, async () => ({ desired: input, owned }), { ...SHARED_SHAPE, ...options, bodyPrecondition: true });
    return object;
  }

  /**
   * The CAS loop of guaranteedUpdate and update: `next` gets a way to make a private copy of the
   * live object (made only if asked for) and returns the desired object, and whether it is the
   * store's to change in place.
   */
  private async casUpdate(
    namespace: string | undefined,
    name: string,
    next: (copyOfLive: () => KObject) => Promise<{ desired: KObject; owned: boolean }>,
    options: WriteOptions & { subresource?: string; bodyPrecondition?: boolean },
  ): Promise<{ object: KObject; created: boolean }> {
    const key = this.key(namespace, name);
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const state = await this.liveState(key, name);
      // The live state is only read (compared, validated against, carried over): the shared one,
      // decoded at most once for every reader. A caller's copy is a decode of its own.
      const live = state.shared.object;
      const { desired, owned } = await next(() => (state.kv ? this.read(state.kv) : (JSON.parse(state.shared.json()) as KObject)));
      if (!options.bodyPrecondition && desired.metadata?.resourceVersion === live.metadata?.resourceVersion) {
        desired.metadata = { ...SHARED_SHAPE, ...desired.metadata, resourceVersion: undefined };
      }
      const result = await this.writeUpdate(namespace, name, state.at, live, desired, options, owned);
      if (result) return { object: result, created: false };
    }
    throw conflict(this.ref, name, 'too many concurrent writers; please retry');
  }

  /** Returns the stored object, or undefined if the CAS lost a race and must be retried. */
  private async writeUpdate(
    namespace: string | undefined,
    name: string,
    kv: StoredAt,
    live: KObject,
    input: KObject,
    options: WriteOptions & { subresource?: string },
    ownsInput: boolean,
  ): Promise<KObject | undefined> {
    const rv = input.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== String(kv.modRevision)) throw conflict(this.ref, name);
    const obj = prepareUpdate(this.entry, live, input, { namespace, name, apiVersion: this.apiVersion, subresource: options.subresource, ownsInput });
    await this.admit('UPDATE', namespace, obj, live, options.subresource, options.user);
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

  private async storeUpdate(
    kv: StoredAt,
    live: KObject,
    obj: KObject,
    options: WriteOptions & { subresource?: string },
    rv: string | undefined,
  ): Promise<KObject | undefined> {
    const name = live.metadata?.name ?? '';
    this.validateUpdated(obj, live, options.subresource);
    let written = obj;
    if (this.deps.managedFields && options.fieldManager) {
      written = this.deps.managedFields(live, obj, options.fieldManager, options.subresource);
    }
    // Unchanged objects are not written: no new resourceVersion, no watch event (as upstream).
    if (unchanged(live, written)) return live;

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
      return { ...written, metadata: { ...SHARED_SHAPE, ...written.metadata, resourceVersion: String(res.revision) } };
    }
    const res = await this.write(kv.key, written, (value) => this.deps.backend.update(kv.key, value, kv.modRevision));
    if (!res.ok) {
      if (rv) throw conflict(this.ref, name);
      return undefined;
    }
    return this.stored(res.kv, written);
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
      await this.admit('DELETE', namespace, live, live, undefined, write.user);

      const plan = planDelete(this.entry as ResourceEntry & DeleteHooks, live, { options, clock: this.deps.clock });
      if (plan.action === 'unchanged') return { object: live, deleted: false };
      if (plan.action === 'mark') {
        if (write.dryRun) return { object: plan.updated, deleted: false };
        if (jsonEqual(plan.updated, live)) return { object: live, deleted: false };
        const res = await this.write(kv.key, plan.updated, (value) => this.deps.backend.update(kv.key, value, kv.modRevision));
        if (!res.ok) continue;
        return { object: this.stored(res.kv, plan.updated), deleted: false };
      }
      if (write.dryRun) return { object: live, deleted: true };
      const res = await this.deps.backend.delete(kv.key, kv.modRevision);
      if (!res.ok) continue;
      await this.deps.hooks?.afterDelete?.(live);
      return { object: { ...live, metadata: { ...SHARED_SHAPE, ...meta, resourceVersion: String(res.revision) } }, deleted: true };
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

  private async admit(
    op: Operation,
    namespace: string | undefined,
    obj: KObject,
    old: KObject | undefined,
    subresource: string | undefined,
    user: UserInfo | undefined,
  ) {
    for (const plugin of this.deps.admission ?? []) await plugin({ operation: op, entry: this.entry, namespace, obj, old, subresource, user });
  }

  private validateNew(obj: KObject): void {
    const errs: FieldError[] = [...validateObjectMeta(obj.metadata ?? {}, this.metaOptions), ...(this.entry.validate?.(obj) ?? [])];
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
