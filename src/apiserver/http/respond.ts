// Writing responses: JSON bodies, metav1.Status errors, and the Accept negotiation that decides
// between a plain object and a meta.k8s.io/v1 Table.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, internalError, type Status } from '../errors.ts';

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
  const types = accept.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  const isTable = (t: string) => t.includes('as=table') && t.includes('g=meta.k8s.io');
  const table = types.length > 0 && types.some(isTable);
  const tableOnly = types.length > 0 && types.every(isTable);
  return { table, tableOnly };
}
