import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { VolumeContext } from './pod-storage.ts';
import { VolumeError } from './pod-storage.ts';
import { projectedFiles } from './volume-sources.ts';

const pod: Pod = { metadata: { name: 'web', namespace: 'shop', uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };

/** The volume the ServiceAccount admission plugin adds to every pod. */
const kubeApiAccess: Volume = {
  name: 'kube-api-access-x',
  projected: {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  },
};

const node = { name: 'n1', ip: '127.0.0.1', allocatable: {} };
const rootCa = { metadata: { name: 'kube-root-ca.crt', namespace: 'shop' }, data: { 'ca.crt': 'PEM' } };

describe('projected volume files', () => {
  it('fetches the token and the ConfigMap side by side and keeps the sources in order', async () => {
    let configMapAsked!: () => void;
    const asked = new Promise<void>((resolve) => (configMapAsked = resolve));
    const ctx: VolumeContext = {
      node,
      api: {
        getSecret: async () => undefined,
        getConfigMap: async (ns, name) => {
          configMapAsked();
          return ns === 'shop' && name === 'kube-root-ca.crt' ? rootCa : undefined;
        },
        // Answers only once the ConfigMap was asked for: fetched one after the other, this times out.
        serviceAccountToken: async () => {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('the ConfigMap was not read while the TokenRequest was pending')), 2000);
          });
          await Promise.race([asked, timeout]).finally(() => clearTimeout(timer));
          return 'jwt';
        },
      },
    };
    const { files, defaultMode } = await projectedFiles(pod, kubeApiAccess, ctx);
    assert.equal(defaultMode, 0o644);
    assert.deepEqual(
      files.map((f) => [f.path, Buffer.from(f.content).toString()]),
      [
        ['token', 'jwt'],
        ['ca.crt', 'PEM'],
        ['namespace', 'shop'],
      ],
    );
  });

  it('a failed TokenRequest is a FailedMount of the volume', async () => {
    const ctx: VolumeContext = {
      node,
      api: {
        getSecret: async () => undefined,
        getConfigMap: async () => rootCa,
        serviceAccountToken: async () => {
          throw new Error('serviceaccounts "default" not found');
        },
      },
    };
    await assert.rejects(
      projectedFiles(pod, kubeApiAccess, ctx),
      (e: unknown) =>
        e instanceof VolumeError && e.volume === 'kube-api-access-x' && /failed to fetch token: serviceaccounts "default" not found/.test(e.message),
    );
  });
});
