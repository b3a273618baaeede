// The node-local cluster DNS server (DESIGN.md: inside each agent, like NodeLocal DNSCache): UDP
// and TCP on one port, answering the cluster domain from the agent's informer caches and
// forwarding everything else. Bad packets are dropped (UDP) or end the connection (TCP); the
// agent never throws on them.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet } from 'dns-packet';
import { lookupCluster, type ClusterDnsData, type ClusterRecordsOptions } from './cluster-records.ts';
import { forwardQuery, type Upstream } from './forwarder.ts';

const SERVFAIL = 2;
const FORMERR = 1;
const UDP_LIMIT = 512;

export interface DnsServerOptions extends ClusterRecordsOptions {
  data: ClusterDnsData;
  /** Default 0.0.0.0; tests use 127.0.0.1. */
  host?: string;
  /** 0: any free port (the same one for UDP and TCP). */
  port?: number;
  /** Resolvers for other names (re-read by the caller when it wants). */
  upstreams: () => readonly Upstream[];
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface DnsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const host = opts.host ?? '0.0.0.0';
  // UDP and TCP must share a port: try a few free UDP ports until TCP can bind the same one.
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(opts.port ?? 0, host, () => resolve());
    });
    const port = udp.address().port;
    const tcp = createServer((s) => serveTcp(s, opts));
    const bound = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, host, () => resolve(true));
    });
    if (!bound) {
      udp.close();
      if (opts.port || attempt > 20) throw new Error(`DNS: TCP port ${port} on ${host} is taken`);
      continue;
    }
    udp.on('error', (e) => opts.log?.('dns: udp socket error', { error: e.message }));
    udp.on(
      'message',
      (msg, rinfo) =>
        void answer(msg, opts, UDP_LIMIT).then((reply) => {
          if (reply) udp.send(reply, rinfo.port, rinfo.address);
        }),
    );
    return { port, close: () => closeBoth(udp, tcp) };
  }
}

/** The reply to one query message, or undefined when it is not worth one. Never throws. */
export async function answer(msg: Buffer, opts: DnsServerOptions, udpLimit?: number): Promise<Buffer | undefined> {
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(msg);
  } catch {
    return msg.length >= 12 ? header(msg.readUInt16BE(0), FORMERR) : undefined;
  }
  if (query.type !== 'query') return undefined;
  const q = query.questions?.[0];
  const rd = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  if (!q || query.questions!.length !== 1) return encode({ id: query.id, type: 'response', flags: rd | FORMERR, questions: query.questions });
  let result: ReturnType<typeof lookupCluster>;
  try {
    result = lookupCluster(q.name, q.type, opts.data, opts);
  } catch (e) {
    opts.log?.('dns: lookup failed', { name: q.name, error: e instanceof Error ? e.message : String(e) });
    return encode({ id: query.id, type: 'response', flags: rd | SERVFAIL, questions: [q] });
  }
  if (result.kind === 'forward') {
    const reply = await forwardQuery(msg, opts.upstreams());
    return reply ?? encode({ id: query.id, type: 'response', flags: rd | dnsPacket.RECURSION_AVAILABLE | SERVFAIL, questions: [q] });
  }
  // dns-packet ignores `rcode` when encoding: the code goes into the low bits of flags.
  const flags = rd | dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | result.rcode;
  const reply: Packet = {
    id: query.id,
    type: 'response',
    flags,
    questions: [q],
    answers: result.answers,
    authorities: result.authorities,
    additionals: result.additionals,
  };
  const bytes = encode(reply);
  if (udpLimit !== undefined && bytes.length > maxUdpSize(query, udpLimit)) {
    return encode({ id: query.id, type: 'response', flags: flags | dnsPacket.TRUNCATED_RESPONSE, questions: [q] });
  }
  return bytes;
}

function maxUdpSize(query: DecodedPacket, fallback: number): number {
  const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(fallback, opt?.udpPayloadSize ?? 0);
}

function encode(p: Packet): Buffer {
  return dnsPacket.encode(p);
}

function header(id: number, rcode: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(0x8000 | rcode, 2);
  return b;
}

/** DNS over TCP: each message has a 2-byte length prefix; several may come on one connection. */
function serveTcp(sock: TcpSocket, opts: DnsServerOptions): void {
  let buf = Buffer.alloc(0);
  sock.setTimeout(10_000, () => sock.destroy());
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) break;
      const msg = buf.subarray(2, 2 + len);
      buf = buf.subarray(2 + len);
      void answer(Buffer.from(msg), opts).then((reply) => {
        if (!reply || sock.destroyed) return;
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(reply.length, 0);
        sock.write(Buffer.concat([prefix, reply]));
      });
    }
  });
}

function closeBoth(udp: Socket, tcp: Server): Promise<void> {
  return new Promise((resolve) => {
    udp.close();
    tcp.close(() => resolve());
    // Connections still open would keep close() waiting: the agent is stopping.
    tcp.unref();
    setTimeout(resolve, 200).unref();
  });
}
