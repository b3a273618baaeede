import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice, Endpoint } from 'kubernetes-types/discovery/v1.js';
import { buildServicePorts, SERVICE_NAME_LABEL } from './service-model.ts';
import { buildRuleset, renderDiff, renderFull, renderRuleset, tableName } from './nft-ruleset.ts';
import { skipUnlessCI } from '../../../test/skip-unless-ci.ts';

function svc(name: string, spec: Service['spec'], status?: Service['status']): Service {
  return { metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], ...spec }, status };
}

function slice(service: string, endpoints: Endpoint[], port = 8080): EndpointSlice {
  return {
    metadata: { name: `${service}-abc`, namespace: 'default', labels: { [SERVICE_NAME_LABEL]: service } },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'http', port, protocol: 'TCP' }],
  };
}

const ep = (ip: string, conditions: Endpoint['conditions'] = { ready: true }, nodeName = 'n1'): Endpoint => ({ addresses: [ip], conditions, nodeName });
const opts = { table: 'peapod-n1', clusterCidr: '10.42.0.0/16' };

test('ready endpoints only; terminating ones when nothing else serves', () => {
  const [web] = buildServicePorts(
    [svc('web', { clusterIP: '10.43.0.5' })],
    [slice('web', [ep('10.42.0.5'), ep('10.42.0.6', { ready: false }), ep('10.42.0.7', { ready: false, serving: true, terminating: true })])],
    { nodeName: 'n1' },
  );
  assert.deepEqual(web!.internal, [{ ip: '10.42.0.5', port: 8080 }]);

  const [draining] = buildServicePorts(
    [svc('web', { clusterIP: '10.43.0.5' })],
    [slice('web', [ep('10.42.0.6', { ready: false }), ep('10.42.0.7', { ready: false, serving: true, terminating: true })])],
    { nodeName: 'n1' },
  );
  assert.deepEqual(draining!.internal, [{ ip: '10.42.0.7', port: 8080 }]);
});

test('traffic policies Local keep to this node; headless and ExternalName are not proxied', () => {
  const ports = buildServicePorts(
    [
      svc('local', {
        clusterIP: '10.43.0.5',
        type: 'NodePort',
        internalTrafficPolicy: 'Local',
        externalTrafficPolicy: 'Local',
        ports: [{ name: 'http', port: 80, nodePort: 30080 }],
      }),
      svc('headless', { clusterIP: 'None' }),
      svc('ext', { type: 'ExternalName', externalName: 'example.org' }),
    ],
    [slice('local', [ep('10.42.0.5', { ready: true }, 'n1'), ep('10.42.1.5', { ready: true }, 'n2')])],
    { nodeName: 'n1' },
  );
  assert.equal(ports.length, 1);
  assert.deepEqual(ports[0]!.internal, [{ ip: '10.42.0.5', port: 8080 }]);
  assert.deepEqual(ports[0]!.external, [{ ip: '10.42.0.5', port: 8080 }]);
  assert.equal(ports[0]!.externalLocal, true);
  assert.equal(ports[0]!.nodePort, 30080);
});

test('the ruleset balances randomly, rejects Services without endpoints and masquerades hairpin', () => {
  const ports = buildServicePorts(
    [
      svc('web', {
        clusterIP: '10.43.0.5',
        type: 'NodePort',
        sessionAffinity: 'ClientIP',
        ports: [{ name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' }],
      }),
      svc('empty', { clusterIP: '10.43.0.6' }),
    ],
    [slice('web', [ep('10.42.0.5'), ep('10.42.0.6')])],
    { nodeName: 'n1' },
  );
  const text = renderRuleset(ports, { ...opts, dns: { ip: '10.43.0.10', port: 5353, podTarget: '10.42.0.1' } });
  assert.match(text, /^add table ip peapod-n1\ndelete table ip peapod-n1\ntable ip peapod-n1 \{/);
  assert.match(text, /10\.43\.0\.5 \. tcp \. 80 : goto service-/);
  assert.match(text, /numgen random mod 2 vmap \{ 0 : goto endpoint-\S+__10\.42\.0\.5\/8080, 1 : goto endpoint-\S+__10\.42\.0\.6\/8080 \}/);
  assert.match(text, /10\.43\.0\.6 \. tcp \. 80 : goto reject-chain/);
  assert.match(text, /ip saddr 10\.42\.0\.5 jump mark-for-masquerade/);
  assert.match(text, /tcp \. 30080 : goto external-/);
  assert.match(text, /timeout 10800s/);
  assert.match(text, /ip daddr 10\.43\.0\.10 udp dport 53 dnat to 10\.42\.0\.1:5353/);
  assert.match(text, /ip daddr 10\.43\.0\.10 tcp dport 53 dnat to 127\.0\.0\.1:5353/);
  assert.equal(renderRuleset(ports, opts), renderRuleset([...ports], opts), 'deterministic');
});

test('table names are nft identifiers and unique per node', () => {
  assert.equal(tableName('e2e-svc-1a2b3c'), 'peapod-e2e-svc-1a2b3c');
  const long = tableName('x'.repeat(200));
  assert.ok(long.length <= 55);
  assert.notEqual(tableName(`${'x'.repeat(60)}a`), tableName(`${'x'.repeat(60)}b`));
});

const canCheck = process.getuid?.() === 0 && spawnSync('nft', ['--version']).status === 0;
test('nft accepts the generated program', { skip: skipUnlessCI(canCheck ? false : 'needs root and nft') }, () => {
  const ports = buildServicePorts(
    [
      svc(
        'web',
        {
          clusterIP: '10.43.0.5',
          type: 'LoadBalancer',
          sessionAffinity: 'ClientIP',
          externalTrafficPolicy: 'Local',
          ports: [
            { name: 'http', port: 80, nodePort: 30080 },
            { name: '', port: 53, protocol: 'UDP', nodePort: 30053 },
          ],
        },
        { loadBalancer: { ingress: [{ ip: '10.41.0.11' }] } },
      ),
      svc('empty', { clusterIP: '10.43.0.6', ports: [{ port: 81 }] }),
    ],
    [slice('web', [ep('10.42.0.5'), ep('10.42.0.6', { ready: true }, 'n2')])],
    { nodeName: 'n1' },
  );
  const text = renderRuleset(ports, { ...opts, table: 'peapod-check', dns: { ip: '10.43.0.10', port: 5353, podTarget: '10.42.0.1' } });
  // -c: parse and validate against the kernel without committing.
  const res = spawnSync('nft', ['-c', '-f', '-'], { input: text, encoding: 'utf8' });
  assert.equal(res.status, 0, `${res.stderr}\n${text}`);
});

test('a diff turns one table into the next exactly as a full rewrite would', { skip: skipUnlessCI(canCheck ? false : 'needs root and nft') }, () => {
  const before = buildServicePorts(
    [
      svc('web', { clusterIP: '10.43.0.5', type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }),
      svc('gone', { clusterIP: '10.43.0.7' }),
      svc('empty', { clusterIP: '10.43.0.6' }),
    ],
    [slice('web', [ep('10.42.0.5'), ep('10.42.0.6')]), slice('gone', [ep('10.42.0.9')])],
    { nodeName: 'n1' },
  );
  const after = buildServicePorts(
    [
      svc('web', { clusterIP: '10.43.0.5', type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }),
      svc('empty', { clusterIP: '10.43.0.6' }),
      svc('new', { clusterIP: '10.43.0.8' }),
    ],
    [slice('web', [ep('10.42.0.6'), ep('10.42.0.7')]), slice('empty', [ep('10.42.0.3')]), slice('new', [])],
    { nodeName: 'n1' },
  );
  const o = { ...opts, table: 'peapod-diff' };
  const a = buildRuleset(before, o);
  const b = buildRuleset(after, o);
  assert.equal(renderDiff(a, a), '', 'no change, no commands');
  const diff = renderDiff(a, b)!;
  assert.ok(diff.length > 0 && !diff.includes('delete table'));
  const ns = `ppdtest-${process.pid}`;
  const listing = (programs: string[]): string => {
    spawnSync('ip', ['netns', 'add', ns]);
    try {
      for (const p of programs) {
        const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: p, encoding: 'utf8' });
        assert.equal(r.status, 0, `${r.stderr}\n${p}`);
      }
      const out = spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'ip', 'peapod-diff'], { encoding: 'utf8' }).stdout;
      return out
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .sort()
        .join('\n');
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  };
  assert.equal(listing([renderFull(a), diff]), listing([renderFull(b)]));
});
