// Upstream's serviceaccount controller: every active namespace gets a `default` ServiceAccount,
// recreated when deleted. (The namespace's `kube-root-ca.crt` is the root CA publisher's job.)
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { createWorkQueue, ignoreAlreadyExists, resources, runController } from '../../client/index.ts';
import type { Controller, ControllerDeps } from '../types.ts';

export function createServiceAccountController(deps: ControllerDeps): Controller {
  const { client, clock, logger } = deps;
  const queue = createWorkQueue<string>({ name: 'serviceaccount', clock });
  const namespaces = deps.informers.informerFor<Namespace>(resources.namespaces);
  const accounts = deps.informers.informerFor<ServiceAccount>(resources.serviceaccounts);
  namespaces.on('add', (n) => queue.add(n.metadata?.name ?? ''));
  namespaces.on('update', (_o, n) => queue.add(n.metadata?.name ?? ''));
  accounts.on('delete', (sa) => {
    if (sa.metadata?.name === 'default') queue.add(sa.metadata?.namespace ?? '');
  });

  async function reconcile(ns: string, signal: AbortSignal): Promise<void> {
    const namespace = namespaces.store.get(ns);
    if (!namespace || namespace.metadata?.deletionTimestamp || namespace.status?.phase === 'Terminating') return;
    if (!accounts.store.get(`${ns}/default`)) {
      await client
        .create<ServiceAccount>(
          resources.serviceaccounts,
          ns,
          { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } },
          { signal },
        )
        .catch(ignoreAlreadyExists);
    }
  }

  return {
    name: 'serviceaccount',
    run: (signal) => runController({ name: 'serviceaccount-controller', reconciler: { reconcile }, queue, workers: deps.workers ?? 2, signal, logger }),
  };
}
