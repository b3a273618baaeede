// The streaming pod subresources of the API server: pods/log and pods/proxy as request handlers,
// exec/attach/portforward (and WebSocket logs) as upgrade handlers proxied to the pod's node agent.
// Pass both to startApiServer: `{ upgrade, subresources }`.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ApiContext } from '../../context.ts';
import { ApiError, badRequest } from '../../errors.ts';
import { parseRequestPath } from '../../http/request-info.ts';
import { Query } from '../../http/query.ts';
import { toApiError } from '../../http/respond.ts';
import type { UpgradeHandler } from '../../server.ts';
import type { SubresourceHandler } from '../subresources.ts';
import type { AgentAuth } from './agent-client.ts';
import { createLogWebSocket } from './log-websocket.ts';
import { servePodLog } from './pod-log.ts';
import { servePodProxy } from './pod-proxy.ts';
import { serveServiceProxy } from './service-proxy.ts';
import { agentEndpoint, loadPod, resolveContainer } from './pod-target.ts';
import { writeStatusToSocket } from './raw-response.ts';
import { proxyUpgrade } from './upgrade-proxy.ts';

export type { AgentAuth } from './agent-client.ts';

export interface StreamingHandlers {
  readonly upgrade: UpgradeHandler;
  readonly subresources: ReadonlyMap<string, SubresourceHandler>;
  /** Ends open WebSocket log sessions (proxied streams end with their sockets). */
  close(): void;
}

const upgradeRequired = async (): Promise<void> => {
  throw badRequest('Upgrade request required');
};

export function createStreamingHandlers(options: { auth: AgentAuth; log?: (msg: string, fields?: Record<string, unknown>) => void }): StreamingHandlers {
  const { auth } = options;
  const logWs = createLogWebSocket();

  async function serveUpgrade(req: IncomingMessage, socket: Socket, ctx: ApiContext): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const info = parseRequestPath(url.pathname);
    if (info.kind !== 'resource' || info.group !== '' || info.resource !== 'pods' || !info.name || !info.namespace) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const query = new Query(url.searchParams);
    const { namespace, name } = info;
    switch (info.subresource) {
      case 'log':
        return logWs.serve(ctx, auth, { req, socket, namespace, name, query });
      case 'exec':
      case 'attach': {
        const pod = await loadPod(ctx, namespace, name);
        const container = resolveContainer(pod, query.str('container'));
        const nodeName = pod.spec?.nodeName;
        if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
        const endpoint = await agentEndpoint(ctx, nodeName);
        const params = new URLSearchParams(url.searchParams);
        params.delete('container');
        const path = `/${info.subresource}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${params}`;
        return proxyUpgrade(req, socket, { endpoint, auth, path });
      }
      case 'portforward': {
        const pod = await loadPod(ctx, namespace, name);
        const nodeName = pod.spec?.nodeName;
        if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
        const endpoint = await agentEndpoint(ctx, nodeName);
        return proxyUpgrade(req, socket, { endpoint, auth, path: `/portForward/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}${url.search}` });
      }
      default:
        throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
  }

  return {
    upgrade(req, socket, ctx) {
      socket.on('error', () => socket.destroy());
      serveUpgrade(req, socket, ctx).catch((e: unknown) => {
        const err = toApiError(e);
        if (err.code >= 500) options.log?.('streaming upgrade failed', { url: req.url, error: e instanceof Error ? e.stack : String(e) });
        writeStatusToSocket(socket, err.status);
      });
    },
    subresources: new Map<string, SubresourceHandler>([
      ['/pods/log', servePodLog(auth)],
      ['/pods/proxy', servePodProxy],
      ['/services/proxy', serveServiceProxy],
      ['/pods/exec', upgradeRequired],
      ['/pods/attach', upgradeRequired],
      ['/pods/portforward', upgradeRequired],
    ]),
    close: () => logWs.close(),
  };
}
