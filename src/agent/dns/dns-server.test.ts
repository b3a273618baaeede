import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, RecordType } from 'dns-packet';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ClusterDnsData } from './cluster-records.ts';
import { startDnsServer, type DnsServer } from './dns-server.ts';

const services: Service[] = [
  { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.43.0.5', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
  { metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] } },
  { metadata: { name: 'ext', namespace: 'other' }, spec: { type: 'ExternalName', externalName: 'example.invalid' } },
];
const slices: EndpointSlice[] = [
  {
    metadata: { name: 'db-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'db' } },
    addressType: 'IPv4',
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.42.0.7'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.42.0.8'], hostname: 'db-1', conditions: { ready: true } },
      { addresses: ['10.42.0.9'], hostname: 'db-2', conditions: { ready: false } },
    ],
  },
];

const data: ClusterDnsData = {
  service: (ns, name) => services.find((s) => s.metadata?.namespace === ns && s.metadata.name === name),
  slices: (ns, svc) => slices.filter((s) => s.metadata?.namespace === ns && s.metadata.labels?.['kubernetes.io/service-name'] === svc),
  hasNamespace: (ns) => services.some((s) => s.metadata?.namespace === ns),
  serviceByIP: (ip) => services.find((s) => s.spec?.clusterIP === ip),
  endpointByIP: (ip) => {
    for (const slice of slices) {
      const e = slice.endpoints.find((x) => x.addresses.includes(ip));
      if (e) return { slice, hostname: e.hostname };
    }
    return undefined;
  },
};

function udpQuery(port: number, name: string, type: RecordType): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no answer for ${name} ${type}`));
    }, 3000);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(dnsPacket.decode(msg));
    });
    sock.send(dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }), port, '127.0.0.1');
  });
}

function tcpQuery(port: number, name: string, type: RecordType): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.end();
        resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      }
    });
    sock.on('error', reject);
    const q = dnsPacket.encode({ type: 'query', id: 7, questions: [{ type, name }] });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(q.length);
    sock.write(Buffer.concat([len, q]));
  });
}

const rcode = (p: DecodedPacket): string => (p as DecodedPacket & { rcode: string }).rcode;
const data0 = (p: DecodedPacket): unknown[] => (p.answers ?? []).map((a) => (a as { data?: unknown }).data);

describe('node-local cluster DNS', () => {
  let server: DnsServer;
  let upstream: ReturnType<typeof createSocket>;
  let upstreamPort = 0;

  before(async () => {
    // A fake upstream resolver on loopback: answers every A query with 192.0.2.1.
    upstream = createSocket('udp4');
    upstream.on('message', (msg, r) => {
      const q = dnsPacket.decode(msg);
      upstream.send(
        dnsPacket.encode({
          type: 'response',
          id: q.id,
          flags: dnsPacket.RECURSION_AVAILABLE,
          questions: q.questions,
          answers: [{ type: 'A', name: q.questions![0]!.name, ttl: 60, data: '192.0.2.1' }],
        }),
        r.port,
        r.address,
      );
    });
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
    upstreamPort = upstream.address().port;
    server = await startDnsServer({
      data,
      host: '127.0.0.1',
      port: 0,
      zone: 'cluster.local',
      ownedCidrs: ['10.43.0.0/16', '10.42.0.0/16'],
      upstreams: () => [{ host: '127.0.0.1', port: upstreamPort }],
    });
  });
  after(async () => {
    await server.close();
    upstream.close();
  });

  test('a Service name gives its ClusterIP, TTL 5 s, over UDP and TCP', async () => {
    for (const ask of [udpQuery, tcpQuery]) {
      const r = await ask(server.port, 'web.default.svc.cluster.local', 'A');
      assert.equal(rcode(r), 'NOERROR');
      assert.deepEqual(data0(r), ['10.43.0.5']);
      assert.equal((r.answers![0] as { ttl?: number }).ttl, 5);
      assert.equal(r.flag_aa, true);
    }
  });

  test('AAAA of an existing name is NODATA; an unknown Service or namespace is NXDOMAIN', async () => {
    const nodata = await udpQuery(server.port, 'web.default.svc.cluster.local', 'AAAA');
    assert.equal(rcode(nodata), 'NOERROR');
    assert.equal(nodata.answers!.length, 0);
    assert.equal(nodata.authorities![0]!.type, 'SOA');
    assert.equal(rcode(await udpQuery(server.port, 'nope.default.svc.cluster.local', 'A')), 'NXDOMAIN');
    assert.equal(rcode(await udpQuery(server.port, 'web.nope.svc.cluster.local', 'A')), 'NXDOMAIN');
    assert.equal(rcode(await udpQuery(server.port, 'default.svc.cluster.local', 'A')), 'NOERROR');
  });

  test('a headless Service gives its ready pods, and each pod its stable name', async () => {
    const all = await udpQuery(server.port, 'db.default.svc.cluster.local', 'A');
    assert.deepEqual(data0(all).sort(), ['10.42.0.7', '10.42.0.8']);
    assert.deepEqual(data0(await udpQuery(server.port, 'db-1.db.default.svc.cluster.local', 'A')), ['10.42.0.8']);
    assert.equal(rcode(await udpQuery(server.port, 'db-2.db.default.svc.cluster.local', 'A')), 'NXDOMAIN', 'not ready');
  });

  test('SRV for named ports: the Service, or each pod of a headless one', async () => {
    const r = await udpQuery(server.port, '_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(data0(r), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    const h = await udpQuery(server.port, '_pg._tcp.db.default.svc.cluster.local', 'SRV');
    assert.deepEqual(
      data0(h)
        .map((d) => (d as { target: string }).target)
        .sort(),
      ['db-0.db.default.svc.cluster.local', 'db-1.db.default.svc.cluster.local'],
    );
    assert.equal(h.additionals!.filter((a) => a.type === 'A').length, 2);
    assert.equal(rcode(await udpQuery(server.port, '_nope._tcp.web.default.svc.cluster.local', 'SRV')), 'NXDOMAIN');
  });

  test('ExternalName is a CNAME; pod names echo their dashed IP', async () => {
    const r = await udpQuery(server.port, 'ext.other.svc.cluster.local', 'A');
    assert.deepEqual(
      r.answers!.map((a) => [a.type, (a as { data?: unknown }).data]),
      [['CNAME', 'example.invalid']],
    );
    assert.deepEqual(data0(await udpQuery(server.port, '10-42-0-7.default.pod.cluster.local', 'A')), ['10.42.0.7']);
  });

  test('PTR for Service and pod IPs; unknown cluster IPs are NXDOMAIN', async () => {
    assert.deepEqual(data0(await udpQuery(server.port, '5.0.43.10.in-addr.arpa', 'PTR')), ['web.default.svc.cluster.local']);
    assert.deepEqual(data0(await udpQuery(server.port, '7.0.42.10.in-addr.arpa', 'PTR')), ['db-0.db.default.svc.cluster.local']);
    assert.equal(rcode(await udpQuery(server.port, '99.0.43.10.in-addr.arpa', 'PTR')), 'NXDOMAIN');
  });

  test('other names go to the upstream resolver', async () => {
    const r = await udpQuery(server.port, 'outside.test', 'A');
    assert.deepEqual(data0(r), ['192.0.2.1']);
    assert.equal(r.id, 4242);
  });

  test('garbage gets FORMERR or nothing, and the server keeps answering', async () => {
    const sock = createSocket('udp4');
    const reply = new Promise<Buffer>((resolve) => sock.once('message', (m) => resolve(m)));
    sock.send(Buffer.from('0123456789abcdef-not-dns'), server.port, '127.0.0.1');
    const msg = await reply;
    sock.close();
    assert.equal(msg.readUInt16BE(2) & 0xf, 1);
    assert.deepEqual(data0(await udpQuery(server.port, 'web.default.svc.cluster.local', 'A')), ['10.43.0.5']);
  });
});
