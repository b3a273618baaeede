// ServiceAccount admission for pods (upstream plugin/pkg/admission/serviceaccount): defaults
// spec.serviceAccountName to `default`, refuses a ServiceAccount that does not exist, and, unless
// the pod or its ServiceAccount sets automountServiceAccountToken: false, adds the projected
// `kube-api-access-<random>` volume (token, kube-root-ca.crt's ca.crt, namespace) mounted at
// /var/run/secrets/kubernetes.io/serviceaccount in every container.
//
// One deviation: when the missing account is `default`, it is created here instead of refusing the
// pod, so a pod created in the instant between a namespace and its controller-made `default`
// account (or on a server without the controller manager) is not refused.
import type { Container, Pod, ServiceAccount, Volume } from 'kubernetes-types/core/v1.js';
import { randomInt } from 'node:crypto';
import { ApiError } from './errors.ts';
import type { KObject } from './registry/types.ts';
import type { AdmissionPlugin, GenericStore } from './store/generic-store.ts';

export const SA_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const TOKEN_EXPIRATION_SECONDS = 3607;
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const suffix = (): string => Array.from({ length: 5 }, () => SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)]).join('');

function apiAccessVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

export function serviceAccountAdmission(serviceAccounts: () => GenericStore | undefined): AdmissionPlugin {
  return async ({ operation, entry, namespace, obj, subresource }) => {
    if (operation !== 'CREATE' || entry.group !== '' || entry.resource !== 'pods' || subresource || namespace === undefined) return;
    const store = serviceAccounts();
    if (!store) return;
    const pod = obj as Pod & KObject;
    if (pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined) return;
    const spec = (pod.spec ?? {}) as NonNullable<Pod['spec']> & Record<string, unknown>;
    const name = (spec.serviceAccountName || spec.serviceAccount || 'default') as string;
    spec.serviceAccountName = name;
    spec.serviceAccount = name;
    let sa: ServiceAccount;
    try {
      sa = (await store.getReadOnly(namespace, name)) as ServiceAccount;
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
      if (name !== 'default') {
        const podName = pod.metadata?.name ?? '';
        throw new ApiError(
          403,
          'Forbidden',
          `pods "${podName}" is forbidden: error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`,
          { name: podName, kind: 'pods' },
        );
      }
      sa = (await store.create(namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } }).catch(async (err: unknown) => {
        if (err instanceof ApiError && err.code === 409) return store.getReadOnly(namespace, name);
        throw err;
      })) as ServiceAccount;
    }
    const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
    if (!automount) return;
    const containers: Container[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    if (containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SA_MOUNT_PATH))) return;
    const volumeName = `kube-api-access-${suffix()}`;
    spec.volumes = [...(spec.volumes ?? []), apiAccessVolume(volumeName)];
    for (const c of containers) {
      (c as { volumeMounts?: unknown[] }).volumeMounts = [...(c.volumeMounts ?? []), { name: volumeName, readOnly: true, mountPath: SA_MOUNT_PATH }];
    }
    pod.spec = spec;
  };
}
