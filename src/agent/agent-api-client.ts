import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, PodStatus, Secret } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound, resources, type Client, type EventRecorder } from '../client/index.ts';
import type { AgentApi, NodeInfo } from './pods/index.ts';

export interface ClientAgentApiOptions {
  client: Client;
  /** Writes events with source component `kubelet` and host = node name. */
  recorder: EventRecorder;
  /** Read on every call: the node's IP and allocatable may change after registration. */
  nodeInfo: () => NodeInfo;
  /** Reads ConfigMaps instead of a GET each (a shared watch: AgentOptions.configMapSource). */
  configMaps?: (namespace: string, name: string) => Promise<ConfigMap | undefined>;
}

const STATUS_RETRIES = 3;

/**
 * The pod workers' AgentApi over the REST client. Status writes are PUTs of pods/status guarded by
 * the pod's resourceVersion; on a lost race the newest pod is read and the write repeated, unless
 * that pod is a different one (same name, new UID): a status must never land on a successor.
 */
export class ClientAgentApi implements AgentApi {
  constructor(private readonly opts: ClientAgentApiOptions) {}

  async updatePodStatus(pod: Pod, status: PodStatus): Promise<void> {
    const { client } = this.opts;
    const ns = pod.metadata?.namespace;
    const uid = pod.metadata?.uid;
    let current = pod;
    for (let attempt = 0; ; attempt++) {
      try {
        await client.update<Pod>(resources.pods, ns, { ...current, status }, { subresource: 'status' });
        return;
      } catch (e) {
        // Gone: the informer's delete event ends the worker; nothing to write to.
        if (isNotFound(e)) return;
        if (!isConflict(e) || attempt >= STATUS_RETRIES) throw e;
      }
      try {
        current = await client.get<Pod>(resources.pods, ns, pod.metadata?.name ?? '');
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
      if (current.metadata?.uid !== uid) return;
    }
  }

  async finishDeletion(pod: Pod): Promise<void> {
    try {
      await this.opts.client.delete(resources.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata?.uid },
      });
    } catch (e) {
      // 404: already gone. A UID precondition conflict: a successor with the same name exists and
      // ours is gone too.
      if (isNotFound(e) || isConflict(e)) return;
      throw e;
    }
  }

  recordEvent(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.opts.recorder.event(pod, { type, reason, message, kind: 'Pod', apiVersion: 'v1' });
  }

  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    if (this.opts.configMaps) return this.opts.configMaps(namespace, name);
    return this.#getOptional<ConfigMap>(resources.configmaps, namespace, name);
  }

  getSecret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.#getOptional<Secret>(resources.secrets, namespace, name);
  }

  getPersistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    return this.#getOptional<PersistentVolumeClaim>(resources.persistentvolumeclaims, namespace, name);
  }

  getPersistentVolume(name: string): Promise<PersistentVolume | undefined> {
    return this.#getOptional<PersistentVolume>(resources.persistentvolumes, undefined, name);
  }

  nodeInfo(): NodeInfo {
    return this.opts.nodeInfo();
  }

  /**
   * TokenRequest bound to the pod, cached per pod/audience/lifetime and renewed once 80 % of its
   * lifetime has passed (as kubelet's token manager), so volume re-syncs do not mint a token each.
   */
  async serviceAccountToken(pod: Pod, request: { audience?: string; expirationSeconds: number }): Promise<string> {
    const key = `${pod.metadata?.uid}/${request.audience ?? ''}/${request.expirationSeconds}`;
    const now = Date.now();
    const cached = this.#tokens.get(key);
    if (cached && now < cached.renewAt) return cached.token;
    const sa = pod.spec?.serviceAccountName || 'default';
    const out = await this.opts.client.post<{ status?: { token?: string; expirationTimestamp?: string } }>(
      resources.serviceaccounts,
      pod.metadata?.namespace,
      sa,
      'token',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          ...(request.audience ? { audiences: [request.audience] } : {}),
          expirationSeconds: request.expirationSeconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid: pod.metadata?.uid },
        },
      },
    );
    const token = out.status?.token;
    if (!token) throw new Error('TokenRequest returned no token');
    const expires = Date.parse(out.status?.expirationTimestamp ?? '') || now + request.expirationSeconds * 1000;
    for (const [k, v] of this.#tokens) if (v.expires <= now) this.#tokens.delete(k);
    this.#tokens.set(key, { token, renewAt: now + 0.8 * (expires - now), expires });
    return token;
  }

  #tokens = new Map<string, { token: string; renewAt: number; expires: number }>();

  async #getOptional<T extends ConfigMap | Secret | PersistentVolumeClaim | PersistentVolume>(
    ref: (typeof resources)[keyof typeof resources],
    ns: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.opts.client.get<T>(ref, ns, name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }
}
