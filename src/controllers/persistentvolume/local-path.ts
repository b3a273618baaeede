// The built-in provisioner, named as k3s's local-path-provisioner: a claim of a class with this
// provisioner gets a directory on the node the scheduler picked (`volume.kubernetes.io/selected-node`).
// The controller only writes the PersistentVolume (hostPath under the directory the node's agent
// advertises, node affinity to that node); the agent on that node creates the directory when a pod
// mounts it and removes it when the volume object is deleted (src/agent/volumes/local-path-volumes.ts),
// since no other component can touch that node's disk.
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';

export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
/** Set by the agent on its Node: where provisioned volumes of this node live. */
export const LOCAL_PATH_DIR_ANNOTATION = 'peapod.dev/local-path-dir';
/** On a provisioned volume while an agent still has to remove its directory. */
export const LOCAL_PATH_CLEANUP_FINALIZER = 'peapod.dev/local-path-cleanup';
export const PROVISIONED_BY_ANNOTATION = 'pv.kubernetes.io/provisioned-by';
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export const LOCAL_PATH_STORAGE_CLASS: StorageClass = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: LOCAL_PATH_PROVISIONER,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

/** The node a local-path volume lives on (its node affinity's hostname), if it is one. */
export function localPathNode(pv: PersistentVolume): string | undefined {
  if (pv.metadata?.annotations?.[PROVISIONED_BY_ANNOTATION] !== LOCAL_PATH_PROVISIONER) return undefined;
  for (const term of pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const e of term.matchExpressions ?? []) {
      if (e.key === HOSTNAME_LABEL && e.operator === 'In' && e.values?.length === 1) return e.values[0];
    }
  }
  return undefined;
}

/** The volume for `claim` on `node`, named `pvc-<claim uid>` as upstream provisioners name theirs. */
export function localPathVolume(claim: PersistentVolumeClaim, opts: { node: Node; storageClass: StorageClass }): PersistentVolume {
  const ns = claim.metadata?.namespace ?? 'default';
  const name = `pvc-${claim.metadata?.uid ?? ''}`;
  const nodeName = opts.node.metadata?.name ?? '';
  const base = opts.node.metadata?.annotations?.[LOCAL_PATH_DIR_ANNOTATION];
  // A node without an agent that advertises a directory (hollow nodes) gets the default data dir
  // and no cleanup finalizer: nobody would remove it.
  const dir = `${base ?? '/var/lib/peapod/storage'}/${name}_${ns}_${claim.metadata?.name ?? ''}`;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name,
      annotations: { [PROVISIONED_BY_ANNOTATION]: LOCAL_PATH_PROVISIONER },
      ...(base ? { finalizers: [LOCAL_PATH_CLEANUP_FINALIZER] } : {}),
    },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '0' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: opts.storageClass.reclaimPolicy ?? 'Delete',
      storageClassName: opts.storageClass.metadata?.name,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      hostPath: { path: dir, type: 'DirectoryOrCreate' },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: claim.metadata?.name, uid: claim.metadata?.uid },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [nodeName] }] }] } },
    },
  };
}
