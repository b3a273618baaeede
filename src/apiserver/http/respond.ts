// Writing responses: JSON bodies, metav1.Status errors, and the Accept negotiation that decides
// between a plain object and a meta.k8s.io/v1 Table.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, internalError, type Status } from '../errors.ts';
import { loopBudget } from '../../util/loop-budget.ts';

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, code, JSON.stringify(body), headers);
}

/** Sends `text`, which is already JSON (e.g. an object's shared encoding). */
export function sendJsonText(res: ServerResponse, code: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
}

/** Lists this short are sent in one piece. */
const LIST_SLICE = 250;
/** Characters of a list body written at a time. */
const LIST_CHUNK_BYTES = 64 * 1024;

export interface JsonListOptions<T> {
  readonly headers?: Record<string, string>;
  /** The JSON of one element (default JSON.stringify); pre-encoded objects return their shared text. */
  readonly encode?: (x: T) => string;
}

/**
 * Sends `envelope` with `array` as its `field`, encoding and writing the array in slices and
 * yielding between them, so a list of thousands of objects does not hold the event loop (and every
 * write queued behind it) for the whole encode, and waiting while the client has not read what
 * was written. The body is byte-for-byte what JSON.stringify would give for
 * `{ ...envelope, [field]: array }` (with each element as `encode` gives it).
 */
export async function sendJsonList<T>(
  res: ServerResponse,
  envelope: Record<string, unknown>,
  field: string,
  array: readonly T[],
  options: JsonListOptions<T> = {},
): Promise<void> {
  const headers = options.headers ?? {};
  const encode = options.encode ?? ((x: T) => JSON.stringify(x));
  const head = JSON.stringify({ ...envelope, [field]: [] });
  // `...,"items":[]}` → write up to and including `[`, then the elements, then `]}`.
  const open = head.lastIndexOf('[]');
  if (array.length <= LIST_SLICE) {
    sendJsonText(res, 200, `${head.slice(0, open + 1)}${array.map(encode).join(',')}${head.slice(open + 1)}`, headers);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers });
  res.write(head.slice(0, open + 1));
  // Encode for a couple of milliseconds (or until a chunk is full), write it, yield; again. The
  // chunk bound matters for pre-encoded items: a time slice of them is the whole list, and one
  // write of megabytes is one long synchronous TLS encryption.
  const budget = loopBudget();
  let parts: string[] = [];
  let bytes = 0;
  let first = true;
  const flush = (): boolean => {
    if (parts.length === 0) return true;
    const text = parts.join(',');
    const more = res.write(first ? text : `,${text}`);
    first = false;
    parts = [];
    bytes = 0;
    return more;
  };
  for (const x of array) {
    const pause = budget.yieldIfSpent();
    if (pause || bytes >= LIST_CHUNK_BYTES) {
      if (!flush()) await drained(res);
      if (pause) await pause;
      if (res.destroyed) return;
    }
    const text = encode(x);
    parts.push(text);
    bytes += text.length;
  }
  flush();
  res.end(head.slice(open + 1));
}

/** Resolves when the socket takes more data again, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function sendStatus(res: ServerResponse, status: Status): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status.code, status);
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return internalError(e instanceof Error ? e.message : String(e));
}

export interface Negotiated {
  table: boolean;
  /** True when the client accepts nothing but Table (406 if Table can't be produced). */
  tableOnly: boolean;
}

export function negotiate(req: IncomingMessage): Negotiated {
  const accept = req.headers.accept ?? '';
  const types = accept
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  const isTable = (t: string) => t.includes('as=table') && t.includes('g=meta.k8s.io');
  const table = types.length > 0 && types.some(isTable);
  const tableOnly = types.length > 0 && types.every(isTable);
  return { table, tableOnly };
}
