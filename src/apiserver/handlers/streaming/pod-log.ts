// GET pods/{name}/log: validated here, streamed from the node agent's /containerLogs as text/plain
// (chunked, flushed as it arrives so `kubectl logs -f` sees lines at once). The WebSocket variant
// (binary.k8s.io, used by conformance tests) lives in log-websocket.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ApiContext } from '../../context.ts';
import { badRequest, methodNotAllowed } from '../../errors.ts';
import type { Query } from '../../http/query.ts';
import type { RequestScope } from '../../context.ts';
import { agentRequest, readErrorBody, type AgentAuth } from './agent-client.ts';
import { agentDialError, agentResponseError } from './agent-errors.ts';
import { agentEndpoint, checkLogStatus, loadPod, resolveContainer } from './pod-target.ts';

const LOG_PARAMS = ['follow', 'previous', 'tailLines', 'sinceSeconds', 'sinceTime', 'timestamps', 'limitBytes'] as const;

export interface LogSource {
  /** The agent's response (2xx) with the log bytes; undefined for a pod that has no node yet (empty log). */
  readonly response: IncomingMessage | undefined;
  abort(): void;
}

/** Validates as upstream's LogLocation + kubelet, then opens the agent's log stream. */
export async function openPodLog(ctx: ApiContext, auth: AgentAuth, target: { namespace: string; name: string; query: Query }): Promise<LogSource> {
  const { query } = target;
  const pod: Pod = await loadPod(ctx, target.namespace, target.name);
  const container = resolveContainer(pod, query.str('container'));
  for (const p of ['tailLines', 'limitBytes', 'sinceSeconds'] as const) {
    const v = query.int(p);
    if (v !== undefined && v < (p === 'tailLines' ? 0 : 1))
      throw badRequest(`PodLogOptions: ${p}: Invalid value: ${v}: must be ${p === 'tailLines' ? 'greater than or equal to 0' : 'greater than 0'}`);
  }
  if (query.str('sinceSeconds') !== undefined && query.str('sinceTime') !== undefined)
    throw badRequest('PodLogOptions: sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  const nodeName = pod.spec?.nodeName;
  // Upstream: a pod not yet assigned to a node has an empty log.
  if (!nodeName) return { response: undefined, abort: () => {} };
  checkLogStatus(pod, container, query.bool('previous'));
  const endpoint = await agentEndpoint(ctx, nodeName);
  const params = new URLSearchParams();
  for (const p of LOG_PARAMS) {
    const v = query.str(p);
    if (v !== undefined) params.set(p, v);
  }
  const path = `/containerLogs/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.name)}/${encodeURIComponent(container)}?${params}`;
  const req = agentRequest(endpoint, auth, { method: 'GET', path });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', (e) => reject(agentDialError(endpoint, 'GET', path, e)));
    req.end();
  });
  if ((res.statusCode ?? 500) >= 300) throw agentResponseError(res.statusCode ?? 500, await readErrorBody(res));
  return { response: res, abort: () => req.destroy() };
}

export function servePodLog(auth: AgentAuth): (scope: RequestScope) => Promise<void> {
  return async (scope) => {
    if (scope.req.method !== 'GET') throw methodNotAllowed();
    const src = await openPodLog(scope.ctx, auth, { namespace: scope.info.namespace ?? 'default', name: scope.info.name!, query: scope.query });
    pipeLog(src, scope.res);
  };
}

function pipeLog(src: LogSource, res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  if (!src.response) {
    res.end();
    return;
  }
  src.response.pipe(res);
  src.response.on('error', () => res.destroy());
  res.on('close', () => src.abort());
}
