// Every failed call throws one ClientError carrying the server's metav1.Status (or a synthesized
// one for transport failures, code 0), so callers branch on reasons exactly as client-go's
// apierrors helpers do.

import type { Status } from './types.ts';

export class ClientError extends Error {
  readonly status: Status;
  constructor(status: Status, options?: { cause?: unknown }) {
    super(status.message ?? status.reason ?? `request failed with code ${status.code ?? 0}`, options);
    this.name = 'ClientError';
    this.status = status;
  }
  /** HTTP status code; 0 when the request never got an answer (connection refused, reset...). */
  get code(): number {
    return this.status.code ?? 0;
  }
  get reason(): string {
    return this.status.reason ?? '';
  }
}

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A Status for a reply whose body was not a Status (proxy error page, empty body...). */
export function statusFromCode(code: number, body: string): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    reason: REASON_BY_CODE[code] ?? 'Unknown',
    message: body.trim() || `the server responded with code ${code}`,
    code,
  };
}

export function transportError(cause: unknown, what: string): ClientError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new ClientError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: '', message: `${what}: ${msg}`, code: 0 }, { cause });
}

function hasReason(e: unknown, code: number, reason?: string): boolean {
  if (!(e instanceof ClientError)) return false;
  return reason !== undefined && e.reason ? e.reason === reason : e.code === code;
}

export const isNotFound = (e: unknown): boolean => hasReason(e, 404, 'NotFound');
export const isAlreadyExists = (e: unknown): boolean => hasReason(e, 409, 'AlreadyExists');

/**
 * For `.catch()` on a write whose goal is already met when the object is gone (deletes, status of
 * a deleted object) or already there (creates of fixed names): swallow that one outcome, rethrow
 * anything else (as client-go's IgnoreNotFound / IgnoreAlreadyExists).
 */
export function ignoreNotFound(e: unknown): void {
  if (!isNotFound(e)) throw e;
}

export function ignoreAlreadyExists(e: unknown): void {
  if (!isAlreadyExists(e)) throw e;
}
export const isConflict = (e: unknown): boolean => hasReason(e, 409, 'Conflict');
export const isInvalid = (e: unknown): boolean => hasReason(e, 422, 'Invalid');
export const isForbidden = (e: unknown): boolean => hasReason(e, 403, 'Forbidden');
export const isTooManyRequests = (e: unknown): boolean => hasReason(e, 429, 'TooManyRequests');
/** 410: a watch or list resourceVersion / continue token that is too old; relist. */
export const isGone = (e: unknown): boolean => e instanceof ClientError && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');
/** The request never got an HTTP answer. */
export const isTransportError = (e: unknown): boolean => e instanceof ClientError && e.code === 0;
