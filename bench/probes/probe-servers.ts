// Child process for the probe benchmark: the HTTP and TCP endpoints the probes hit, kept out of
// the prober's process so its CPU figure is the prober's own. Prints `{"http":P,"tcp":Q}` once
// listening on 127.0.0.1; exits when stdin closes (the parent went away).
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';

const http = createServer((_req, res) => res.end('ok'));
const tcp = createTcpServer((s) => s.destroy());
await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
process.stdout.write(`${JSON.stringify({ http: (http.address() as AddressInfo).port, tcp: (tcp.address() as AddressInfo).port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
