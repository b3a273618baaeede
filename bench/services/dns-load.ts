// DNS load generator (own process, so it does not share the server's event loop): keeps
// `concurrency` A queries in flight against host:port for `seconds`, names cycling over
// svc-0..svc-<names-1>.bench.svc.cluster.local. Prints one JSON line: answered, lost, q/s, p50, p99 (ms).
import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { summarize } from '../lib/stats.ts';

const [host = '127.0.0.1', portText = '53', secondsText = '5', concText = '32', namesText = '1000'] = process.argv.slice(2);
const port = Number(portText);
const seconds = Number(secondsText);
const concurrency = Number(concText);
const names = Number(namesText);

const sock = createSocket('udp4');
const sent = new Map<number, number>();
const latencies: number[] = [];
let nextId = 1;
let lost = 0;
let n = 0;
const end = performance.now() + seconds * 1000;

function send(): void {
  if (performance.now() >= end) return;
  const id = nextId;
  nextId = nextId >= 65535 ? 1 : nextId + 1;
  const name = `svc-${n++ % names}.bench.svc.cluster.local`;
  sent.set(id, performance.now());
  sock.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), port, host);
}

sock.on('message', (msg) => {
  const id = msg.readUInt16BE(0);
  const t = sent.get(id);
  if (t === undefined) return;
  sent.delete(id);
  latencies.push(performance.now() - t);
  send();
});

// A query unanswered for 1 s is lost; its slot is refilled.
const sweeper = setInterval(() => {
  const now = performance.now();
  for (const [id, t] of sent) {
    if (now - t > 1000) {
      sent.delete(id);
      lost++;
      send();
    }
  }
}, 200);

sock.bind(0, () => {
  for (let i = 0; i < concurrency; i++) send();
  setTimeout(
    () => {
      clearInterval(sweeper);
      sock.close();
      const s = summarize(latencies);
      process.stdout.write(`${JSON.stringify({ answered: latencies.length, lost, qps: latencies.length / seconds, p50: s.p50, p99: s.p99 })}\n`);
    },
    seconds * 1000 + 50,
  );
});
