// Local servers for probe and hook tests (127.0.0.1 only). Not used in production.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';

export interface TestHttpServer {
  port: number;
  /** Requests seen, in order: method, path and headers. */
  requests: { path: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1:0 whose answers the test decides per request. */
export async function httpServer(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestHttpServer> {
  const requests: TestHttpServer['requests'] = [];
  const server: Server = createHttpServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    handle(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A TCP listener on 127.0.0.1:0 that accepts and closes connections. */
export async function tcpServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createTcpServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = await tcpServer();
  await s.close();
  return s.port;
}

/**
 * A gRPC server (h2c) answering grpc.health.v1.Health/Check with `status(service)` (1 SERVING, 2
 * NOT_SERVING); any other method answers UNIMPLEMENTED, as grpc servers do.
 */
export async function grpcHealthServer(status: (service: string) => number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Http2Server = createH2Server();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      if (headers[':path'] !== '/grpc.health.v1.Health/Check') {
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown service grpc.health.v1.Health' },
          { endStream: true },
        );
        return;
      }
      const body = Buffer.concat(chunks).subarray(5);
      const service = body.length > 2 ? body.subarray(2).toString('utf8') : '';
      const msg = Buffer.from([0x08, status(service)]);
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(msg.length, 1);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.concat([prefix, msg]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}
