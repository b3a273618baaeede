// Accepting WebSocket upgrades with Kubernetes subprotocols. `ws` rejects
// `SPDY/3.1+portforward.k8s.io` (a `/` is not an RFC 7230 token) with a 400, after which kubectl
// silently falls back to plain SPDY; so we negotiate the protocol ourselves: drop the offer header
// before ws sees it and add our answer when ws writes the 101 headers.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

export class WebSocketAcceptor {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: true });
  private readonly chosen = new WeakMap<IncomingMessage, string>();

  constructor() {
    this.wss.on('headers', (headers: string[], req: IncomingMessage) => {
      const protocol = this.chosen.get(req);
      if (protocol) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
    });
  }

  /** Completes the handshake answering with `protocol` (one the client offered). */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket> {
    delete req.headers['sec-websocket-protocol'];
    this.chosen.set(req, protocol);
    return new Promise((resolve) => this.wss.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
  }

  /** Terminates every open session (server shutdown). */
  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

/** Writes a plain HTTP error on an upgrade socket (the client reads it as a failed upgrade). */
export function rejectUpgrade(socket: Duplex, code: number, message: string): void {
  const body = Buffer.from(message);
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 500: 'Internal Server Error' }[code] ?? 'Error';
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${message}`);
}
