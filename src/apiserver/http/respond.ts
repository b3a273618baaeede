// Writing responses: JSON bodies, metav1.Status errors, and the Accept negotiation that decides
// between a plain object and a meta.k8s.io/v1 Table.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, internalError, type Status } from '../errors.ts';
import { loopBudget } from '../../util/loop-budget.ts';

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
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

/**
 * Sends `envelope` with `array` as its `field`, encoding and writing the array in slices and
 * yielding between them, so a list of thousands of objects does not hold the event loop (and every
 * write queued behind it) for the whole encode. The body is byte-for-byte what JSON.stringify
 * would give for `{ ...envelope, [field]: array }`.
 */
export async function sendJsonList(
  res: ServerResponse,
  envelope: Record<string, unknown>,
  field: string,
  array: readonly unknown[],
  headers: Record<string, string> = {},
): Promise<void> {
  if (array.length <= LIST_SLICE) return sendJson(res, 200, { ...envelope, [field]: array }, headers);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers });
  const head = JSON.stringify({ ...envelope, [field]: [] });
  // `...,"items":[]}` → write up to and including `[`, then the elements, then `]}`.
  const open = head.lastIndexOf('[]');
  res.write(head.slice(0, open + 1));
  // Encode for a couple of milliseconds, write what was encoded, yield; again.
  const budget = loopBudget();
  let parts: string[] = [];
  let first = true;
  const flush = (): void => {
    if (parts.length === 0) return;
    const text = parts.join(',');
    res.write(first ? text : `,${text}`);
    first = false;
    parts = [];
  };
  for (const x of array) {
    const pause = budget.yieldIfSpent();
    if (pause) {
      flush();
      await pause;
      if (res.destroyed) return;
    }
    parts.push(JSON.stringify(x));
  }
  flush();
  res.end(head.slice(open + 1));
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
