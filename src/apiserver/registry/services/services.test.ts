// Service entry: defaults, validation wording and the kubectl columns, without a server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { services } from '../services.ts';
import type { KObject } from '../types.ts';

const ctx = { now: () => new Date('2024-01-01T00:10:00Z') };

function make(spec: Record<string, unknown>): { obj: KObject; errors: string[] } {
  const obj = { metadata: { name: 'web', namespace: 'd', creationTimestamp: '2024-01-01T00:00:00Z' }, spec } as KObject;
  services.defaults?.(obj);
  services.prepareForCreate?.(obj, ctx);
  return { obj, errors: (services.validate?.(obj) ?? []).map(String) };
}

test('defaults: TCP, targetPort = port, ClusterIP, None affinity, Cluster policies for NodePort', () => {
  const { obj, errors } = make({ type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] });
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.deepEqual(spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  assert.equal(spec.sessionAffinity, 'None');
  assert.equal(spec.externalTrafficPolicy, 'Cluster');
  assert.equal(spec.internalTrafficPolicy, 'Cluster');
  assert.deepEqual(obj.status, { loadBalancer: {} });
});

test('validation wording for ports, clusterIP, policies and affinity', () => {
  assert.deepEqual(make({ ports: [] }).errors, ['spec.ports: Required value']);
  assert.deepEqual(make({ clusterIP: 'None', ports: [] }).errors, []);
  assert.deepEqual(make({ ports: [{ port: 80 }, { port: 80, name: 'b' }] }).errors, [
    'spec.ports[0].name: Required value',
    'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
  ]);
  assert.deepEqual(make({ ports: [{ port: 80, targetPort: 'Not_A_Name' }] }).errors, [
    'spec.ports[0].targetPort: Invalid value: "Not_A_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
  ]);
  assert.deepEqual(make({ clusterIP: 'nope', ports: [{ port: 80 }] }).errors, [
    'spec.clusterIPs[0]: Invalid value: "nope": must be empty, \'None\', or a valid IP address',
  ]);
  assert.deepEqual(make({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] }).errors, [
    'spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for NodePort services',
  ]);
  assert.deepEqual(make({ externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }).errors, [
    'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
  ]);
  assert.deepEqual(make({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 90000 } }, ports: [{ port: 80 }] }).errors, [
    'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: must be greater than 0 and less than 86400',
  ]);
  assert.deepEqual(make({ ipFamilies: ['IPv6'], ports: [{ port: 80 }] }).errors, ['spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster']);
});

test('columns: ports with node ports, LoadBalancer pending/ingress, ExternalName, wide selector', () => {
  const np = make({
    type: 'NodePort',
    clusterIP: '10.43.0.5',
    selector: { b: '2', a: '1' },
    ports: [
      { port: 80, nodePort: 30080 },
      { name: 'x', port: 53, protocol: 'UDP', nodePort: 30053 },
    ],
  }).obj;
  assert.deepEqual(services.row(np, ctx), ['NodePort', '10.43.0.5', '<none>', '80:30080/TCP,53:30053/UDP', '10m', 'a=1,b=2']);
  const lb = make({ type: 'LoadBalancer', clusterIP: '10.43.0.6', ports: [{ port: 80, nodePort: 31000 }] }).obj;
  assert.equal(services.row(lb, ctx)[2], '<pending>');
  lb.status = { loadBalancer: { ingress: [{ ip: '192.0.2.1' }, { ip: '192.0.2.2' }] } };
  assert.equal(services.row(lb, ctx)[2], '192.0.2.1,192.0.2.2');
  const ext = make({ type: 'ExternalName', externalName: 'example.com' }).obj;
  assert.deepEqual(services.row(ext, ctx).slice(0, 4), ['ExternalName', '<none>', 'example.com', '<none>']);
});
