// VolumeBinding (upstream plugins/volumebinding): a pod's claims decide where it may run.
// PreFilter: every claim must exist and not be terminating; an unbound claim of an Immediate class
// (or of no class) blocks the pod until the PV controller binds it. Filter: a bound claim's volume
// must admit the node (its node affinity); an unbound WaitForFirstConsumer claim needs a matching
// available volume on the node, or a class whose provisioner can create one. PreBind: each unbound
// claim gets `volume.kubernetes.io/selected-node`, which starts binding/provisioning there.
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { claimNameOfVolume } from '../../../controllers/persistentvolume/claims-in-use.ts';
import { SELECTED_NODE_ANNOTATION } from '../../../controllers/persistentvolume/local-path.ts';
import { findBestMatch, volumeFitsNode } from '../../../controllers/persistentvolume/matching.ts';
import type { CycleState, FilterPlugin, Handle, PreBindPlugin, PreFilterPlugin, StateData, VolumeListers } from '../../framework/interfaces.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { errorStatus, SKIP, SUCCESS, unresolvable, type Status } from '../../framework/status.ts';

export const NAME = 'VolumeBinding';
export const ERR_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
const STATE_KEY = `PreFilter${NAME}`;
/** Upstream's marker for classes whose volumes are only ever made by hand. */
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

class ClaimsState implements StateData {
  constructor(
    readonly boundVolumes: readonly PersistentVolume[],
    readonly delayed: readonly PersistentVolumeClaim[],
    readonly missingVolume: boolean,
  ) {}
  clone(): this {
    return this;
  }
}

function podClaims(pod: PodInfo, v: VolumeListers): { claims: PersistentVolumeClaim[]; status?: Status } {
  const ns = pod.pod.metadata?.namespace ?? 'default';
  const claims: PersistentVolumeClaim[] = [];
  for (const vol of pod.pod.spec?.volumes ?? []) {
    const name = claimNameOfVolume(pod.pod, vol);
    if (!name) continue;
    const claim = v.claim(ns, name);
    if (!claim) {
      const why = vol.ephemeral
        ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${name}"`
        : `persistentvolumeclaim "${name}" not found`;
      return { claims, status: unresolvable(why) };
    }
    if (claim.metadata?.deletionTimestamp) return { claims, status: unresolvable(`persistentvolumeclaim "${name}" is being deleted`) };
    if (vol.ephemeral && !claim.metadata?.ownerReferences?.some((r) => r.uid === pod.pod.metadata?.uid)) {
      return { claims, status: unresolvable(`PVC ${ns}/${name} was not created for pod ${ns}/${pod.pod.metadata?.name ?? ''} (pod is not owner)`) };
    }
    claims.push(claim);
  }
  return { claims };
}

export function createVolumeBinding(handle: Handle): PreFilterPlugin & FilterPlugin & PreBindPlugin {
  const v = handle.volumes;
  return {
    name: NAME,
    preFilter(state: CycleState, pod: PodInfo) {
      if (!v || !(pod.pod.spec?.volumes ?? []).some((x) => x.persistentVolumeClaim || x.ephemeral)) return { status: SKIP };
      const { claims, status } = podClaims(pod, v);
      if (status) return { status };
      const bound: PersistentVolume[] = [];
      const delayed: PersistentVolumeClaim[] = [];
      let missingVolume = false;
      for (const c of claims) {
        if (c.spec?.volumeName) {
          const pv = v.volume(c.spec.volumeName);
          if (pv) bound.push(pv);
          else missingVolume = true;
          continue;
        }
        const cls = c.spec?.storageClassName ? v.storageClass(c.spec.storageClassName) : undefined;
        if (cls?.volumeBindingMode !== 'WaitForFirstConsumer') return { status: unresolvable(ERR_UNBOUND_IMMEDIATE) };
        delayed.push(c);
      }
      if (bound.length === 0 && delayed.length === 0 && !missingVolume) return { status: SKIP };
      state.write(STATE_KEY, new ClaimsState(bound, delayed, missingVolume));
      return { status: SUCCESS };
    },
    filter(state: CycleState, _pod: PodInfo, node: NodeInfo) {
      const s = state.read<ClaimsState>(STATE_KEY);
      if (!s || !v) return SUCCESS;
      if (s.missingVolume) return unresolvable('pvc(s) bound to non-existent pv(s)');
      const n = node.node;
      if (!n) return SUCCESS;
      for (const pv of s.boundVolumes) if (!volumeFitsNode(pv, n)) return unresolvable(ERR_NODE_CONFLICT);
      for (const c of s.delayed) {
        if (findBestMatch(c, v.volumes(), { node: n })) continue;
        const cls = v.storageClass(c.spec?.storageClassName ?? '');
        if (cls?.provisioner && cls.provisioner !== NO_PROVISIONER) continue;
        return unresolvable(ERR_BIND_CONFLICT);
      }
      return SUCCESS;
    },
    async preBind(state: CycleState, _pod: PodInfo, nodeName: string) {
      const s = state.read<ClaimsState>(STATE_KEY);
      if (!s || !v) return SUCCESS;
      try {
        for (const c of s.delayed) {
          if (c.metadata?.annotations?.[SELECTED_NODE_ANNOTATION] !== nodeName) await v.selectNode(c, nodeName);
        }
      } catch (e) {
        return errorStatus(`binding volumes: ${e instanceof Error ? e.message : String(e)}`);
      }
      return SUCCESS;
    },
  };
}
