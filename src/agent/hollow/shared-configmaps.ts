// ConfigMaps for all the hollow nodes of a process, as kubelet's default Watch strategy
// (configMapAndSecretChangeDetectionStrategy: Watch) reads them: one watch per ConfigMap, by name,
// and reads served from its cache. The agent otherwise GETs a ConfigMap whenever a pod mounts it
// (upstream's Get strategy), and every pod mounts kube-root-ca.crt through its kube-api-access
// volume: one GET per pod start, which a thousand real kubelets would not make. A watch here is
// shared by the nodes of the process, as their pod watch is (shared-pods.ts), and lasts as long
// as the process: hollow nodes mount a handful of names.
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { createInformer, resources, type Client, type Informer, type Logger } from '../../client/index.ts';

export class SharedConfigMaps {
  readonly #watches = new Map<string, Informer<ConfigMap>>();

  constructor(
    private readonly client: Client,
    private readonly signal: AbortSignal,
    private readonly logger: Logger,
  ) {}

  /** The ConfigMap as its watch last saw it; undefined when it does not exist. */
  async get(namespace: string, name: string): Promise<ConfigMap | undefined> {
    const key = `${namespace}/${name}`;
    let watch = this.#watches.get(key);
    if (!watch) {
      watch = createInformer<ConfigMap>(this.client, resources.configmaps, { namespace, fieldSelector: `metadata.name=${name}`, logger: this.logger });
      this.#watches.set(key, watch);
      void watch.start(this.signal);
    }
    await watch.waitForSync(this.signal);
    return watch.store.get(key);
  }
}
