// Upstream's serviceaccount controller and root-ca-cert-publisher, both per namespace: every
// active namespace gets a `default` ServiceAccount and a `kube-root-ca.crt` ConfigMap holding the
// cluster CA (what pods' kube-api-access volumes project as ca.crt). Either object, deleted, is
// recreated; a changed ConfigMap is put back.
import type { ConfigMap, Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { createWorkQueue, ignoreAlreadyExists, isNotFound, resources, runController } from '../../client/index.ts';
import type { Controller, ControllerDeps } from '../types.ts';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export function createServiceAccountController(deps: ControllerDeps, opts: { rootCaPem?: string }): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'serviceaccount', clock });
  const namespaces = deps.informers.informerFor<Namespace>(resources.namespaces);
  const accounts = deps.informers.informerFor<ServiceAccount>(resources.serviceaccounts);
  const configmaps = deps.informers.informerFor<ConfigMap>(resources.configmaps);
  namespaces.on('add', (n) => queue.add(n.metadata?.name ?? ''));
  namespaces.on('update', (_o, n) => queue.add(n.metadata?.name ?? ''));
  accounts.on('delete', (sa) => {
    if (sa.metadata?.name === 'default') queue.add(sa.metadata?.namespace ?? '');
  });
  const onConfigMap = (cm: ConfigMap): void => {
    if (cm.metadata?.name === ROOT_CA_CONFIGMAP) queue.add(cm.metadata?.namespace ?? '');
  };
  configmaps.on('update', (_o, cm) => onConfigMap(cm));
  configmaps.on('delete', onConfigMap);

  async function reconcile(ns: string, signal: AbortSignal): Promise<void> {
    const namespace = namespaces.store.get(ns);
    if (!namespace || namespace.metadata?.deletionTimestamp || namespace.status?.phase === 'Terminating') return;
    if (!accounts.store.get(`${ns}/default`)) {
      await client.create<ServiceAccount>(resources.serviceaccounts, ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } }, { signal }).catch(ignoreAlreadyExists);
    }
    if (opts.rootCaPem === undefined) return;
    const cm = configmaps.store.get(`${ns}/${ROOT_CA_CONFIGMAP}`);
    const data = { 'ca.crt': opts.rootCaPem };
    if (!cm) {
      const body: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data };
      await client.create<ConfigMap>(resources.configmaps, ns, body, { signal }).catch(ignoreAlreadyExists);
    } else if (cm.data?.['ca.crt'] !== opts.rootCaPem) {
      await client.update<ConfigMap>(resources.configmaps, ns, { ...cm, data }, { signal }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
  }

  return {
    name: 'serviceaccount',
    run: (signal) => runController({ name: 'serviceaccount-controller', reconciler: { reconcile }, queue, workers: deps.workers ?? 2, signal, logger }),
  };
}
