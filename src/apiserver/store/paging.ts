// LIST at a consistent revision, paged with continue tokens (limit/continue as upstream), with
// label and field selectors applied while paging, and resourceVersion parsing for list and watch.
import type { Backend, KeyValue } from '../../storage/index.ts';
import { CompactedError } from '../../storage/index.ts';
import { ApiError, badRequest, gone } from '../errors.ts';
import type { KObject } from '../registry/types.ts';
import { loopBudget } from '../../util/loop-budget.ts';

export interface ListOptions {
  readonly labelMatch?: (labels: Record<string, string> | undefined) => boolean;
  readonly fieldMatch?: (obj: KObject) => boolean;
  readonly limit?: number;
  readonly continueToken?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
}

export interface ListResult<T = KObject> {
  readonly items: T[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

/**
 * Rows read from storage at a time by a list without a limit: one synchronous SQLite query (about
 * a millisecond for 250 pods); the next batch starts after the loop had a turn.
 */
const READ_BATCH = 250;

const CONTINUE_TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export interface PagedRead<T> {
  readonly prefix: string;
  /** A stored row as the resource serves it. */
  readonly read: (kv: KeyValue) => T;
  /** The object selectors look at. */
  readonly objectOf: (item: T) => KObject;
  readonly options: ListOptions;
}

/**
 * One page of the objects under `prefix`. The whole result is read at one revision: the continue
 * token carries it, so later pages see the same snapshot (or 410 Gone once it is compacted).
 */
export async function listPaged<T>(backend: Backend, opts: PagedRead<T>): Promise<ListResult<T>> {
  const { prefix, read, objectOf, options } = opts;
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
    else if (rv > backend.currentRevision()) {
      await backend.get(prefix);
      if (rv > backend.currentRevision()) {
        throw new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${backend.currentRevision()}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        });
      }
    }
  }
  const limit = options.limit && options.limit > 0 ? options.limit : 0;
  const filtered = Boolean(options.labelMatch || options.fieldMatch);
  const items: T[] = [];
  let readRevision: number | undefined = revision;
  let more = false;
  let remaining = 0;
  // Decoding thousands of objects is the costly part of a large list: let queued requests (writes
  // above all) run every few milliseconds instead of waiting for the whole list.
  const budget = loopBudget();
  // Page through the backend until `limit` matching items are found (selectors may skip many), or
  // through everything in batches at the first batch's revision.
  for (let first = true; ; first = false) {
    const batch = limit ? Math.max(limit * 2, 100) : READ_BATCH;
    let res: Awaited<ReturnType<typeof backend.list>>;
    try {
      // Only an unfiltered page a client asked for reports how many items remain (remainingItemCount).
      res = await backend.list(prefix, { revision: readRevision, limit: batch, startAfter, countRemaining: limit > 0 && !filtered });
    } catch (e) {
      // A whole-collection list whose own revision was compacted between its batches starts over.
      if (e instanceof CompactedError && !first && !limit && revision === undefined) return listPaged(backend, opts);
      if (e instanceof CompactedError) {
        throw gone(options.continueToken ? CONTINUE_TOO_OLD : `too old resource version: ${e.requested} (${e.compactRevision})`);
      }
      throw e;
    }
    readRevision = res.revision;
    for (let i = 0; i < res.items.length; i++) {
      const pause = budget.yieldIfSpent();
      if (pause) await pause;
      const kv = res.items[i]!;
      startAfter = kv.key;
      const item = read(kv);
      const obj = objectOf(item);
      if (options.labelMatch && !options.labelMatch(obj.metadata?.labels)) continue;
      if (options.fieldMatch && !options.fieldMatch(obj)) continue;
      items.push(item);
      if (limit && items.length === limit) {
        const leftInBatch = res.items.length - i - 1;
        more = leftInBatch > 0 || res.remaining > 0;
        remaining = leftInBatch + res.remaining;
        break;
      }
    }
    if ((limit && items.length === limit) || res.remaining === 0) break;
  }
  const rv = String(readRevision ?? backend.currentRevision());
  if (!more) return { items, resourceVersion: rv };
  return {
    items,
    resourceVersion: rv,
    continueToken: encodeContinue({ rv: Number(rv), start: startAfter ?? '' }),
    ...(filtered ? {} : { remainingItemCount: remaining }),
  };
}

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) throw badRequest(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
  return Number(rv);
}

export interface ContinueToken {
  rv: number;
  start: string;
}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'peapod.v1', rv: t.rv, start: t.start })).toString('base64url');
}

export function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (t.v !== 'peapod.v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad');
    return { rv: t.rv, start: t.start };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}
