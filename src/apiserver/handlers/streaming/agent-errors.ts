// Turning agent failures into metav1.Status, as upstream's generic response checker does: the
// agent's status code picks the reason and its text body becomes the message.
import { ApiError } from '../../errors.ts';
import type { AgentEndpoint } from './pod-target.ts';

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function agentResponseError(code: number, body: string): ApiError {
  const reason = REASONS[code] ?? (code >= 500 ? 'InternalError' : 'Unknown');
  return new ApiError(code, reason, body || `the server responded with the status code ${code} but did not return more information`);
}

/** The agent could not be reached at all (upstream prints the Go client's dial error). */
export function agentDialError(endpoint: AgentEndpoint, method: string, path: string, e: unknown): ApiError {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  const msg = e instanceof Error ? e.message : String(e);
  return new ApiError(500, 'InternalError', `${method[0]}${method.slice(1).toLowerCase()} "https://${host}:${endpoint.port}${path}": ${msg}`);
}
