// Proxies an upgrade request (exec, attach, portforward) to the node agent and splices the two
// connections: the agent's 101 (or its error response) is relayed verbatim, so the WebSocket or
// SPDY handshake is between kubectl and the agent, and bytes then flow both ways untouched.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Socket } from 'node:net';
import { agentRequest, forwardHeaders, type AgentAuth } from './agent-client.ts';
import { agentDialError } from './agent-errors.ts';
import type { AgentEndpoint } from './pod-target.ts';
import { writeStatusToSocket } from './raw-response.ts';

export function proxyUpgrade(req: IncomingMessage, socket: Duplex, target: { endpoint: AgentEndpoint; auth: AgentAuth; path: string }): void {
  const method = req.method ?? 'GET';
  const upstream = agentRequest(target.endpoint, target.auth, { method, path: target.path, headers: forwardHeaders(req.headers, { upgrade: true }) });
  const head = (res: IncomingMessage) => {
    let text = `HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}\r\n`;
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) text += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
    return `${text}\r\n`;
  };
  socket.on('error', () => upstream.destroy());
  upstream.on('upgrade', (res: IncomingMessage, agentSocket: Socket, agentHead: Buffer) => {
    // Interactive streams (keystrokes, small SPDY frames): no Nagle delay on either leg.
    agentSocket.setNoDelay(true);
    if (socket instanceof Socket) socket.setNoDelay(true);
    socket.write(head(res));
    if (agentHead.length > 0) socket.write(agentHead);
    agentSocket.pipe(socket);
    socket.pipe(agentSocket);
    agentSocket.on('error', () => socket.destroy());
    socket.on('error', () => agentSocket.destroy());
    agentSocket.on('close', () => socket.destroy());
    socket.on('close', () => agentSocket.destroy());
  });
  upstream.on('response', (res: IncomingMessage) => {
    // A refused upgrade: relay the agent's answer (kubectl prints it, or falls back to SPDY).
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = res.rawHeaders;
      let text = `HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}\r\n`;
      for (let i = 0; i + 1 < headers.length; i += 2) {
        const name = headers[i]!.toLowerCase();
        if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
        text += `${headers[i]}: ${headers[i + 1]}\r\n`;
      }
      socket.end(Buffer.concat([Buffer.from(`${text}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]));
    });
  });
  upstream.on('error', (e) => writeStatusToSocket(socket, agentDialError(target.endpoint, method, target.path, e).status));
  upstream.end();
}
