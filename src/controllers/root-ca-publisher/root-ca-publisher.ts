// The root CA publisher (upstream pkg/controller/certificates/rootcacertpublisher): every active
// namespace holds a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the cluster CA, so pods can
// verify the API server. A changed or deleted copy is put back.
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import { ClientError, createWorkQueue, ignoreNotFound, isAlreadyExists, resources, runController, type Informer } from '../../client/index.ts';
import type { Controller, ControllerDeps } from '../types.ts';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export function createRootCaPublisher(deps: ControllerDeps, opts: { caPem: string }): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'root-ca-cert-publisher', clock });
  const namespaces: Informer<Namespace> = deps.informers.informerFor<Namespace>(resources.namespaces);
  const configmaps: Informer<ConfigMap> = deps.informers.informerFor<ConfigMap>(resources.configmaps, { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` });
  const onNs = (n: Namespace) => queue.add(n.metadata?.name ?? '');
  namespaces.on('add', onNs);
  namespaces.on('update', (_o, n) => onNs(n));
  const onCm = (c: ConfigMap) => queue.add(c.metadata?.namespace ?? '');
  configmaps.on('update', (_o, c) => onCm(c));
  configmaps.on('delete', onCm);

  async function reconcile(ns: string, signal: AbortSignal): Promise<void> {
    const n = namespaces.store.get(ns);
    if (!n || n.metadata?.deletionTimestamp || n.status?.phase === 'Terminating') return;
    const existing = configmaps.store.get(`${ns}/${ROOT_CA_CONFIGMAP}`);
    const data = { 'ca.crt': opts.caPem };
    if (!existing) {
      const cm: ConfigMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns, annotations: { 'kubernetes.io/description': DESCRIPTION } },
        data,
      };
      await client.create(resources.configmaps, ns, cm, { signal }).catch((e: unknown) => {
        // Forbidden: the namespace started terminating meanwhile. Already there: the cache lags.
        if (!isAlreadyExists(e) && !(e instanceof ClientError && e.code === 403)) throw e;
      });
      return;
    }
    if (existing.data?.['ca.crt'] === opts.caPem && Object.keys(existing.data ?? {}).length === 1) return;
    await client.update(resources.configmaps, ns, { ...existing, data }, { signal }).catch(ignoreNotFound);
  }

  return {
    name: 'root-ca-cert-publisher',
    run: (signal) => runController({ name: 'root-ca-cert-publisher', reconciler: { reconcile }, queue, workers: deps.workers ?? 1, signal, logger }),
  };
}
