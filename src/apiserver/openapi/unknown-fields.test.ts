import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadSchemas } from './schemas.ts';
import { unknownFields } from './unknown-fields.ts';

const set = loadSchemas();
const POD = 'io.k8s.api.core.v1.Pod';

const pod = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'p' }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata,
  spec,
});

describe('unknownFields', () => {
  it('accepts a well-formed pod with maps, quantities, IntOrString and timestamps', () => {
    const obj = pod(
      {
        containers: [
          {
            name: 'c',
            image: 'busybox',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 1 } },
            readinessProbe: { httpGet: { port: 'http', path: '/' } },
          },
        ],
        nodeSelector: { 'kubernetes.io/os': 'linux' },
      },
      {
        name: 'p',
        labels: { app: 'web', 'anything.example.com/goes': 'x' },
        annotations: { note: 'x' },
        creationTimestamp: '2024-01-01T00:00:00Z',
        managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }],
      },
    );
    assert.deepEqual(unknownFields(set, POD, obj), []);
  });

  it('reports unknown fields with upstream paths, in document order', () => {
    const obj = pod({
      bogus: 1,
      containers: [
        { name: 'c', image: 'i' },
        { name: 'd', bogus: true, ports: [{ nope: 1 }] },
      ],
    });
    assert.deepEqual(unknownFields(set, POD, obj), ['spec.bogus', 'spec.containers[1].bogus', 'spec.containers[1].ports[0].nope']);
  });

  it('reports unknown top-level and metadata fields but not apiVersion/kind', () => {
    const obj = { ...pod({ containers: [] }, { name: 'p', lables: {} }), extra: 1 };
    assert.deepEqual(unknownFields(set, POD, obj), ['metadata.lables', 'extra']);
  });

  it('goes through the PVC template of a StatefulSet', () => {
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      spec: { volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: { resources: { requests: { storage: '1Gi' } }, typo: 1 } }] },
    };
    assert.deepEqual(unknownFields(set, 'io.k8s.api.apps.v1.StatefulSet', sts), ['spec.volumeClaimTemplates[0].spec.typo']);
  });

  it('returns nothing for an unknown schema', () => {
    assert.deepEqual(unknownFields(set, 'nope', { a: 1 }), []);
  });
});
