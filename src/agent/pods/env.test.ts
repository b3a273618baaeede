// The API server address a container finds in its environment (kubelet's master-service env).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { containerEnv, type EnvContext } from './env.ts';

const api: EnvContext['api'] = { getConfigMap: async () => undefined, getSecret: async () => undefined, recordEvent: () => {} };
const pod: Pod = { metadata: { name: 'p', namespace: 'team' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
const node = { name: 'n', ip: '10.0.0.2', allocatable: {}, apiServer: 'https://10.42.7.1:6443' };
const envOf = async (ctx: Partial<EnvContext>): Promise<Record<string, string>> =>
  Object.fromEntries((await containerEnv(pod, pod.spec!.containers[0]!, { api, node, ...ctx })).map((e) => [e.name, e.value]));

describe('API server env', () => {
  it('names the kubernetes Service once the node proxy knows it, with the docker-link variables', async () => {
    const env = await envOf({ node: { ...node, apiService: { host: '10.43.7.1', port: 443 } } });
    assert.equal(env.KUBERNETES_SERVICE_HOST, '10.43.7.1');
    assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
    assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
    assert.equal(env.KUBERNETES_PORT, 'tcp://10.43.7.1:443');
    assert.equal(env.KUBERNETES_PORT_443_TCP_ADDR, '10.43.7.1');
  });

  it("falls back to the agent's own API server URL before that", async () => {
    const env = await envOf({});
    assert.equal(env.KUBERNETES_SERVICE_HOST, '10.42.7.1');
    assert.equal(env.KUBERNETES_SERVICE_PORT, '6443');
  });
});
