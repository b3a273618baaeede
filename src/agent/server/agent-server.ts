// The agent's kubelet-like streaming endpoint (HTTPS). The API server proxies pods/log, exec,
// attach and portforward here with kubelet's paths:
//   GET /containerLogs/{ns}/{pod}/{container}?follow&previous&tailLines&sinceSeconds&sinceTime&timestamps&limitBytes
//   /exec/{ns}/{pod}/{container}?command=..&stdin&stdout&stderr&tty   (WebSocket channel protocols)
//   /attach/{ns}/{pod}/{container}?stdin&stdout&stderr&tty
//   /portForward/{ns}/{pod}   (WebSocket `SPDY/3.1+portforward.k8s.io`, or `Upgrade: SPDY/3.1`)
// Every request must carry a bearer token `authenticate` accepts (the API server sends the cluster
// admin token). Errors are plain text with kubelet's status codes; the API server relays them and
// kubectl prints them (`unable to upgrade connection: ...` for the upgrade paths).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { streamContainerLog } from './log-reader.ts';
import { serveRemoteCommand } from './remote-command.ts';
import { selectChannelProtocol } from './channel-protocol.ts';
import { PortForwardSession, type FrameTransport } from './port-forward.ts';
import { WebSocketAcceptor, isWebSocketUpgrade, offeredProtocols, rejectUpgrade } from './websocket-accept.ts';
import type { AgentLog, StreamingBackend, StreamingContainer } from './types.ts';
import { renderResourceMetrics, type StatsProvider } from '../metrics/index.ts';

export interface AgentServerOptions {
  readonly host?: string;
  /** 0 picks a free port; kubelet's default is 10250. */
  readonly port?: number;
  readonly tls: { cert: string; key: string };
  /** Decides from the Authorization header whether the caller may stream (the API server's token). */
  readonly authenticate: (authHeader: string | undefined) => boolean;
  readonly backend: StreamingBackend;
  /** Serves kubelet's GET /stats/summary and /metrics/resource; 404 when absent. */
  readonly stats?: StatsProvider;
  /** Session starts (with the negotiated protocol) and failures. */
  readonly log?: AgentLog;
}

export interface AgentServer {
  readonly port: number;
  close(): Promise<void>;
}

const PORT_FORWARD_WS = 'SPDY/3.1+portforward.k8s.io';

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const flag = (q: URLSearchParams, name: string) => ['true', '1', ''].includes(q.get(name) ?? 'false');

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new HttpError(400, `invalid ${name}: ${v}`);
  return Number(v);
}

export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const { backend } = options;
  const log = options.log ?? (() => {});
  const acceptor = new WebSocketAcceptor();
  const sockets = new Set<Socket>();

  async function container(ns: string, pod: string, name: string | undefined): Promise<StreamingContainer> {
    const c = await backend.findContainer(ns, pod, name);
    if (!c) throw new HttpError(404, `container not found (${JSON.stringify(name ?? '')})`);
    return c;
  }

  async function serveLogs(parts: string[], q: URLSearchParams, res: ServerResponse): Promise<void> {
    const [ns, pod, name] = parts;
    if (!ns || !pod) throw new HttpError(400, 'expected /containerLogs/{namespace}/{pod}/{container}');
    const c = await container(ns, pod, name);
    const previous = flag(q, 'previous');
    const path = previous ? c.previousLogPath : c.logPath;
    if (!path) throw new HttpError(400, `previous terminated container ${JSON.stringify(name ?? '')} in pod ${JSON.stringify(pod)} not found`);
    const sinceSeconds = intParam(q, 'sinceSeconds');
    const sinceTime = q.get('sinceTime');
    let since: Date | undefined;
    if (sinceSeconds !== undefined) since = new Date(Date.now() - sinceSeconds * 1000);
    else if (sinceTime) {
      since = new Date(sinceTime);
      if (Number.isNaN(since.getTime())) throw new HttpError(400, `invalid sinceTime: ${sinceTime}`);
    }
    const abort = new AbortController();
    // 'close' before the end means the client (the API server) went away.
    res.on('close', () => abort.abort());
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    await streamContainerLog(path, res, {
      follow: flag(q, 'follow') && !previous,
      tailLines: intParam(q, 'tailLines'),
      since,
      timestamps: flag(q, 'timestamps'),
      limitBytes: intParam(q, 'limitBytes'),
      signal: abort.signal,
      stillRunning: async () => {
        const now = await backend.findContainer(ns, pod, name);
        return now !== undefined && now.id === c.id && now.running;
      },
    });
    res.end();
  }

  async function serveRemote(kind: 'exec' | 'attach', parts: string[], q: URLSearchParams, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const [ns, pod, name] = parts;
    if (!ns || !pod) throw new HttpError(400, `expected /${kind}/{namespace}/{pod}/{container}`);
    const c = await container(ns, pod, name);
    if (!c.running) throw new HttpError(400, `container ${JSON.stringify(name ?? '')} in pod ${JSON.stringify(pod)} is not running`);
    const command = q.getAll('command');
    if (kind === 'exec' && command.length === 0) throw new HttpError(400, 'you must specify at least 1 command');
    const attach = backend.attach?.bind(backend);
    if (kind === 'attach' && !attach) throw new HttpError(400, 'attach is not supported by this node');
    const stdin = flag(q, 'stdin');
    const stdout = flag(q, 'stdout');
    const stderr = flag(q, 'stderr');
    const tty = flag(q, 'tty');
    if (!stdin && !stdout && !stderr) throw new HttpError(400, 'you must specify at least 1 of stdin, stdout, stderr');
    const protocol = isWebSocketUpgrade(req) ? selectChannelProtocol(offeredProtocols(req)) : undefined;
    // Plain SPDY remote command is not implemented: kubectl 1.32 speaks WebSocket v5 first.
    if (!protocol)
      throw new HttpError(400, 'unable to upgrade: this node serves exec/attach over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io, channel.k8s.io) only');
    const ws = await acceptor.accept(req, socket, head, protocol);
    log(`${kind} session`, { namespace: ns, pod, container: name, protocol, tty });
    await serveRemoteCommand(ws, {
      protocol,
      stdin,
      stdout,
      stderr,
      tty,
      command,
      log,
      run: async (io) => {
        if (kind === 'exec') return backend.exec(c.id, command, io);
        await attach!(c.id, io);
        return 0;
      },
    });
  }

  async function servePortForward(parts: string[], req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const [ns, pod] = parts;
    if (!ns || !pod) throw new HttpError(400, 'expected /portForward/{namespace}/{pod}');
    const net = backend.podNetwork(ns, pod);
    if (!net) throw new HttpError(404, `pod ${JSON.stringify(pod)} in namespace ${JSON.stringify(ns)} has no network on this node`);
    const target = { ...net, podName: pod };
    if (isWebSocketUpgrade(req)) {
      if (!offeredProtocols(req).includes(PORT_FORWARD_WS)) throw new HttpError(400, `unable to upgrade: expected subprotocol ${PORT_FORWARD_WS}`);
      const ws = await acceptor.accept(req, socket, head, PORT_FORWARD_WS);
      log('port-forward session', { namespace: ns, pod, protocol: PORT_FORWARD_WS });
      const transport: FrameTransport = {
        write: (frame, done) => (ws.readyState === ws.OPEN ? ws.send(frame, { binary: true }, () => done()) : done()),
        pause: () => ws.pause(),
        resume: () => ws.resume(),
        end: () => ws.readyState === ws.OPEN && ws.close(1000),
      };
      const session = new PortForwardSession(transport, target, log);
      ws.on('message', (d: Buffer) => session.push(d));
      ws.on('close', () => session.close());
      ws.on('error', () => session.close());
      return;
    }
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') throw new HttpError(400, 'unable to upgrade: missing upgrade headers in request');
    // Without X-Stream-Protocol-Version kubectl fails: `unable to negotiate protocol`.
    log('port-forward session', { namespace: ns, pod, protocol: 'SPDY/3.1' });
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
    const transport: FrameTransport = {
      write: (frame, done) => (socket.writable ? socket.write(frame, () => done()) : done()),
      pause: () => socket.pause(),
      resume: () => socket.resume(),
      end: () => socket.end(),
    };
    const session = new PortForwardSession(transport, target, log);
    socket.on('data', (d: Buffer) => session.push(d));
    socket.on('close', () => session.close());
    socket.on('error', () => session.close());
    if (head.length > 0) session.push(head);
  }

  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://agent');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    (async () => {
      if (!options.authenticate(req.headers.authorization)) throw new HttpError(401, 'Unauthorized');
      if (parts[0] === 'healthz') {
        res.end('ok');
        return;
      }
      if (parts[0] === 'containerLogs' && req.method === 'GET') return serveLogs(parts.slice(1), url.searchParams, res);
      if (options.stats && req.method === 'GET' && url.pathname === '/stats/summary') {
        const body = JSON.stringify(await options.stats.summary());
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return void res.end(body);
      }
      if (options.stats && req.method === 'GET' && url.pathname === '/metrics/resource') {
        const body = renderResourceMetrics(await options.stats.summary());
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        return void res.end(body);
      }
      throw new HttpError(404, '404 page not found');
    })().catch((e: unknown) => {
      const code = e instanceof HttpError ? e.code : 500;
      if (code === 500) log('agent stream request failed', { url: req.url, error: String(e) });
      if (res.headersSent) return void res.destroy();
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(e instanceof Error ? e.message : String(e));
    });
  });
  server.requestTimeout = 0;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // Interactive streams send many small frames: no Nagle delay.
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') (socket as Socket).setNoDelay(true);
    const url = new URL(req.url ?? '/', 'https://agent');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    (async () => {
      if (!options.authenticate(req.headers.authorization)) throw new HttpError(401, 'Unauthorized');
      if (parts[0] === 'exec' || parts[0] === 'attach') return serveRemote(parts[0], parts.slice(1), url.searchParams, req, socket, head);
      if (parts[0] === 'portForward') return servePortForward(parts.slice(1), req, socket, head);
      throw new HttpError(404, '404 page not found');
    })().catch((e: unknown) => {
      const code = e instanceof HttpError ? e.code : 500;
      if (code === 500) log('agent stream upgrade failed', { url: req.url, error: String(e) });
      if (socket.writable) rejectUpgrade(socket, code, e instanceof Error ? e.message : String(e));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 10250, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      acceptor.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
