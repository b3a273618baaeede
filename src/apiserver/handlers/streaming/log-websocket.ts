// pods/log over WebSocket, as the conformance tests read it: subprotocol `binary.k8s.io` sends the
// raw log bytes as binary messages, `base64.binary.k8s.io` as base64 text messages (upstream
// wsstream.Reader); the socket closes normally at the end of the log.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { ApiContext } from '../../context.ts';
import type { Query } from '../../http/query.ts';
import type { AgentAuth } from './agent-client.ts';
import { openPodLog } from './pod-log.ts';

const PROTOCOLS = ['binary.k8s.io', 'base64.binary.k8s.io'];

export function createLogWebSocket(): {
  serve(ctx: ApiContext, auth: AgentAuth, target: { req: IncomingMessage; socket: Duplex; namespace: string; name: string; query: Query }): Promise<void>;
  close(): void;
} {
  // ws is loaded on the first log stream over WebSocket: an idle server never needs it.
  let wss: WebSocketServer | undefined;
  const server = async (): Promise<WebSocketServer> => {
    if (!wss) {
      const { WebSocketServer } = await import('ws');
      wss ??= new WebSocketServer({
        noServer: true,
        perMessageDeflate: false,
        // Upstream treats "no subprotocol" as binary.
        handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
      });
    }
    return wss;
  };
  return {
    async serve(ctx, auth, t) {
      const src = await openPodLog(ctx, auth, { namespace: t.namespace, name: t.name, query: t.query });
      const wss = await server();
      const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(t.req, t.socket, Buffer.alloc(0), resolve));
      const base64 = ws.protocol === 'base64.binary.k8s.io';
      ws.on('close', () => src.abort());
      if (!src.response) return void ws.close(1000);
      src.response.on('data', (chunk: Buffer) => {
        if (ws.readyState !== ws.OPEN) return;
        if (base64) ws.send(chunk.toString('base64'), { binary: false });
        else ws.send(chunk, { binary: true });
      });
      src.response.on('end', () => ws.readyState === ws.OPEN && ws.close(1000));
      src.response.on('error', () => ws.terminate());
    },
    close() {
      for (const ws of wss?.clients ?? []) ws.terminate();
      wss?.close();
    },
  };
}
