// The Backend on a real etcd v3 cluster (npm `etcd3`, raw KV and Watch RPCs).
//
// - create: txn "if create_revision(key) == 0 then put else range" — the lost race returns the winner.
// - update / delete: txn "if mod_revision(key) == expected then put/delete else range".
// - resourceVersion = etcd's revision; list reads at a revision with limit, continue = start key.
// - watch: one multiplexed gRPC stream per backend (etcd-watch-stream.ts), with prev kv.
// - Several API servers may share one etcd: nothing here assumes a single writer. currentRevision()
//   is the highest revision any response from etcd has shown this process.
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen, isBrokenCircuitError, retry, wrap } from 'cockatiel';
import { Etcd3, isRecoverableError, type IEvent, type IOptions } from 'etcd3';
import {
  type Backend,
  CompactedError,
  type DeleteResult,
  FutureRevisionError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type WatchEvent,
  type WatchOptions,
  type WriteResult,
} from '../backend.ts';
import { AutoCompactor } from './etcd-compactor.ts';
import { isCompactedError, isFutureRevisionError, type KeyMapping, rangeEnd, toEtcdKey, toKeyValue } from './etcd-keys.ts';
import { EtcdWatchStream, WatchCanceledError } from './etcd-watch-stream.ts';

export interface EtcdTls {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface EtcdBackendOptions {
  /** Client URLs (`--etcd-servers`), e.g. ['http://127.0.0.1:2379']. */
  readonly endpoints: readonly string[];
  /** etcd key prefix (`--etcd-prefix`, default '/registry'). */
  readonly prefix?: string;
  /** The leading part of Backend keys that `prefix` replaces (default '/registry'; tests use ''). */
  readonly apiRoot?: string;
  /** PEM contents for TLS to etcd (`--etcd-cafile/--etcd-certfile/--etcd-keyfile`, read by the caller). */
  readonly tls?: { readonly ca: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /** Revisions of history auto-compaction keeps; see etcd-compactor.ts. */
  readonly compactWindow?: number;
  /** Auto-compaction period in ms; 0 disables it. */
  readonly compactIntervalMs?: number;
  /** How often watches ask etcd for progress (bookmark) notifications; 0 = never. */
  readonly progressIntervalMs?: number;
  readonly logger?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

const DEFAULTS = { prefix: '/registry', apiRoot: '/registry', compactWindow: 10_000, compactIntervalMs: 0, progressIntervalMs: 5000 };

export async function openEtcdBackend(options: EtcdBackendOptions): Promise<Backend> {
  const backend = new EtcdBackend({ ...DEFAULTS, ...options });
  try {
    await backend.init();
  } catch (error) {
    await backend.close();
    throw error;
  }
  return backend;
}

type Options = EtcdBackendOptions & typeof DEFAULTS;

/**
 * The client's fault handling. Each member has a circuit breaker (3 failures in a row keep calls
 * off it for a second; etcd3's default is 5 s), and a call skips members whose circuit is open.
 * While a member is down and the others elect a new leader every circuit can be open at once: the
 * call then waits and tries again — it was sent nowhere, so this is safe for any write — for about
 * 5 s, rather than failing an API request with "the circuit breaker is open" once the cluster is
 * healthy again. A call that reached a member and failed recoverably is retried as etcd3 does by
 * default (3 attempts).
 */
const FAULT_HANDLING: IOptions['faultHandling'] = {
  host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(3) }),
  global: wrap(
    retry(handleWhen(isBrokenCircuitError), { maxAttempts: 12, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 800 }) }),
    retry(handleWhen(isRecoverableError), { maxAttempts: 3 }),
  ),
};

class EtcdBackend implements Backend {
  readonly #client: Etcd3;
  readonly #mapping: KeyMapping;
  readonly #watches: EtcdWatchStream;
  readonly #compactor: AutoCompactor | undefined;
  #current = 0;
  #compactRevision = 0;
  #closed = false;

  constructor(private readonly options: Options) {
    const clientOptions: IOptions = {
      hosts: options.endpoints.map((e) => e.replace(/^https?:\/\//, '')),
      // Lists of thousands of objects exceed gRPC's default 4 MiB message limit.
      grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
      faultHandling: FAULT_HANDLING,
      ...(options.tls ? { credentials: { rootCertificate: options.tls.ca, privateKey: options.tls.key, certChain: options.tls.cert } } : {}),
    };
    this.#client = new Etcd3(clientOptions);
    this.#mapping = { prefix: options.prefix, apiRoot: options.apiRoot };
    this.#watches = new EtcdWatchStream(this.#client.watchClient, {
      onRevision: (revision) => this.#seen(revision),
      logger: options.logger,
      progressIntervalMs: options.progressIntervalMs,
    });
    if (options.compactIntervalMs > 0) {
      this.#compactor = new AutoCompactor(this.#client.kv, {
        window: options.compactWindow,
        intervalMs: options.compactIntervalMs,
        current: () => this.#current,
        compact: (revision) => this.compact(revision),
        logger: options.logger,
      });
    }
  }

  /** Learns the current and the compacted revision (another server may have written and compacted). */
  async init(): Promise<void> {
    await this.#refreshCurrent();
    this.#compactRevision = await this.#findCompactRevision();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.#assertOpen();
    const res = await this.#client.kv.range({ key: this.#key(key) });
    this.#seen(Number(res.header.revision));
    const kv = res.kvs[0];
    return kv ? toKeyValue(this.#mapping, kv) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.#assertOpen();
    const start = this.#key(prefix);
    const from = options.startAfter ? Buffer.concat([this.#key(options.startAfter), Buffer.from([0])]) : start;
    const limit = options.limit ?? 0;
    const requested = options.revision ?? 0;
    const res = await this.#client.kv.range({ key: from, range_end: rangeEnd(start), revision: requested, limit }).catch(async (error: unknown) => {
      throw await this.#mapRevisionError(error, requested);
    });
    this.#seen(Number(res.header.revision));
    const items = res.kvs.map((kv) => toKeyValue(this.#mapping, kv));
    const revision = requested || Number(res.header.revision);
    // `count` is every key in the range at that revision, returned ones included.
    const remaining = res.more ? Number(res.count) - items.length : 0;
    return { items, revision, remaining };
  }

  async create(key: string, value: string): Promise<WriteResult> {
    this.#assertOpen();
    const k = this.#key(key);
    const res = await this.#client.kv.txn({
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      failure: [{ request_range: { key: k } }],
    });
    const revision = Number(res.header.revision);
    this.#seen(revision);
    if (!res.succeeded) return { ok: false, current: this.#rangeResult(res.responses[0]?.response_range.kvs[0]) };
    return { ok: true, revision, kv: { key, value, createRevision: revision, modRevision: revision } };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<WriteResult> {
    this.#assertOpen();
    // mod_revision of an absent key is 0: never let "expected 0" turn an update into a create.
    if (expectedModRevision <= 0) return { ok: false, current: await this.get(key) };
    const k = this.#key(key);
    const res = await this.#client.kv.txn({
      compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }],
      success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    const revision = Number(res.header.revision);
    this.#seen(revision);
    if (!res.succeeded) return { ok: false, current: this.#rangeResult(res.responses[0]?.response_range.kvs[0]) };
    const prev = res.responses[0]?.response_put.prev_kv;
    const createRevision = prev ? Number(prev.create_revision) : revision;
    return { ok: true, revision, kv: { key, value, createRevision, modRevision: revision } };
  }

  async delete(key: string, expectedModRevision: number): Promise<DeleteResult> {
    this.#assertOpen();
    if (expectedModRevision <= 0) return { ok: false, current: await this.get(key) };
    const k = this.#key(key);
    const res = await this.#client.kv.txn({
      compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }],
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    const revision = Number(res.header.revision);
    this.#seen(revision);
    if (!res.succeeded) return { ok: false, current: this.#rangeResult(res.responses[0]?.response_range.kvs[0]) };
    const prev = res.responses[0]?.response_delete_range.prev_kvs[0];
    if (!prev) return { ok: false, current: undefined };
    return { ok: true, revision, prev: toKeyValue(this.#mapping, prev) };
  }

  async watch(prefix: string, onEvent: (e: WatchEvent) => void, options: WatchOptions): Promise<void> {
    this.#assertOpen();
    const { fromRevision, signal } = options;
    if (signal.aborted) return;
    const start = this.#key(prefix);
    // etcd keeps revision `compactRevision` itself, but a watch "after fromRevision" needs history
    // as of fromRevision, exactly like a read there: check it the same way, so both fail alike.
    if (fromRevision < this.#compactRevision) throw new CompactedError(fromRevision, this.#compactRevision);
    await this.list(prefix, { revision: Math.min(fromRevision, this.#current) || this.#current, limit: 1 }).catch((error: unknown) => {
      if (!(error instanceof FutureRevisionError)) throw error;
    });
    const deliver = (events: IEvent[]): void => {
      for (const e of events) {
        if (signal.aborted) return;
        try {
          onEvent(this.#toEvent(e));
        } catch (error) {
          this.options.logger?.error({ err: error, prefix }, 'storage watch handler threw');
        }
      }
    };
    try {
      await this.#watches.add(
        {
          key: start,
          rangeEnd: rangeEnd(start),
          last: fromRevision,
          onEvents: deliver,
          onProgress: options.onProgress,
          onCanceled: (reason, compactRevision) => {
            if (compactRevision > 0) this.#compactRevision = Math.max(this.#compactRevision, compactRevision);
            const error = compactRevision > 0 ? new CompactedError(fromRevision, compactRevision) : new WatchCanceledError(reason, 0);
            this.options.logger?.error({ err: error, prefix }, 'etcd ended a storage watch');
            options.onError?.(error);
          },
        },
        signal,
      );
    } catch (error) {
      if (error instanceof WatchCanceledError && error.compactRevision > 0) {
        this.#compactRevision = Math.max(this.#compactRevision, error.compactRevision);
        throw new CompactedError(fromRevision, error.compactRevision);
      }
      throw error;
    }
  }

  currentRevision(): number {
    return this.#current;
  }

  compactRevision(): number {
    return this.#compactRevision;
  }

  async compact(revision: number): Promise<void> {
    this.#assertOpen();
    if (revision <= this.#compactRevision) return;
    await this.#refreshCurrent();
    if (revision > this.#current) throw new FutureRevisionError(revision, this.#current);
    try {
      await this.#client.kv.compact({ revision, physical: true });
      this.#compactRevision = revision;
    } catch (error) {
      // Another server compacted further already: learn how far.
      if (!isCompactedError(error)) throw error;
      this.#compactRevision = await this.#findCompactRevision();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#compactor?.stop();
    this.#watches.close();
    this.#client.close();
  }

  #toEvent(e: IEvent): WatchEvent {
    const prev = e.prev_kv && e.prev_kv.key.length > 0 ? toKeyValue(this.#mapping, e.prev_kv) : undefined;
    const revision = Number(e.kv.mod_revision);
    if (e.type === 'Delete') {
      const key = toKeyValue(this.#mapping, e.kv).key;
      const kv = { key, value: prev?.value ?? '', createRevision: prev?.createRevision ?? 0, modRevision: revision };
      return { type: 'delete', kv, prev, revision };
    }
    return { type: 'put', kv: toKeyValue(this.#mapping, e.kv), prev, revision };
  }

  #rangeResult(kv: Parameters<typeof toKeyValue>[1] | undefined): KeyValue | undefined {
    return kv ? toKeyValue(this.#mapping, kv) : undefined;
  }

  #key(key: string): Buffer {
    return toEtcdKey(this.#mapping, key);
  }

  #seen(revision: number): void {
    if (revision > this.#current) this.#current = revision;
  }

  async #refreshCurrent(): Promise<void> {
    const res = await this.#client.kv.range({ key: Buffer.from(this.options.prefix), count_only: true });
    this.#seen(Number(res.header.revision));
  }

  async #mapRevisionError(error: unknown, requested: number): Promise<unknown> {
    if (isCompactedError(error)) {
      this.#compactRevision = Math.max(this.#compactRevision, await this.#findCompactRevision());
      return new CompactedError(requested, this.#compactRevision);
    }
    if (isFutureRevisionError(error)) {
      await this.#refreshCurrent();
      return new FutureRevisionError(requested, this.#current);
    }
    return error;
  }

  /**
   * etcd does not report its compacted revision directly; a read at revision r fails iff r is below
   * it, so binary-search the smallest readable revision (about 20 cheap reads, done rarely).
   */
  async #findCompactRevision(): Promise<number> {
    const readable = async (revision: number): Promise<boolean> => {
      try {
        await this.#client.kv.range({ key: Buffer.from(this.options.prefix), count_only: true, revision });
        return true;
      } catch (error) {
        if (isCompactedError(error)) return false;
        throw error;
      }
    };
    if (this.#current <= 1 || (await readable(1))) return 0;
    let low = 1; // unreadable
    let high = this.#current; // readable (the current revision always is)
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (await readable(mid)) high = mid;
      else low = mid;
    }
    return high;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('storage backend is closed');
  }
}
