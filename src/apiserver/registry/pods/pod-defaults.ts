// Pod defaulting: core/v1 defaults (SetDefaults_Pod, _PodSpec, _Container, _Volume, _Probe ...)
// plus what upstream's admission plugins add on create (ServiceAccount: serviceAccountName;
// Priority: priority and preemptionPolicy; DefaultTolerationSeconds: the not-ready/unreachable
// NoExecute tolerations). Idempotent: running it on an already-defaulted pod changes nothing.
import type { Container, Pod, PodSpec, Probe, Toleration, Volume } from 'kubernetes-types/core/v1.js';
import { isRecord } from '../common.ts';

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const DEFAULT_TOLERATION_SECONDS = 300;
/**
 * The DefaultTolerationSeconds admission plugin's settings (--default-not-ready-toleration-seconds,
 * --default-unreachable-toleration-seconds). Process-wide, like the plugin's flags: set once by
 * `peapod server` before it serves; tests of the defaults leave them at 300.
 */
const tolerationSeconds = { 'node.kubernetes.io/not-ready': DEFAULT_TOLERATION_SECONDS, 'node.kubernetes.io/unreachable': DEFAULT_TOLERATION_SECONDS };

export function setDefaultTolerationSeconds(opts: { notReady?: number; unreachable?: number }): void {
  if (opts.notReady !== undefined) tolerationSeconds['node.kubernetes.io/not-ready'] = opts.notReady;
  if (opts.unreachable !== undefined) tolerationSeconds['node.kubernetes.io/unreachable'] = opts.unreachable;
}
const DEFAULT_MODE = 0o644; // 420

export function defaultPod(pod: Pod): void {
  pod.spec ??= { containers: [] };
  const spec = pod.spec;
  defaultPodSpec(spec);
  for (const c of spec.containers ?? []) defaultContainer(c, spec.hostNetwork === true, true);
  for (const c of spec.initContainers ?? []) defaultContainer(c, spec.hostNetwork === true, true);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c as Container, false, false);
}

export function defaultPodSpec(spec: PodSpec): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  spec.schedulerName ||= DEFAULT_SCHEDULER_NAME;
  spec.enableServiceLinks ??= true;
  spec.serviceAccountName ||= spec.serviceAccount || 'default';
  // v1 keeps the deprecated alias in sync with serviceAccountName.
  spec.serviceAccount = spec.serviceAccountName;
  if (!spec.priorityClassName) spec.priority ??= 0;
  spec.preemptionPolicy ||= 'PreemptLowerPriority';
  for (const v of spec.volumes ?? []) defaultVolume(v);
  spec.tolerations = withDefaultTolerations(spec.tolerations ?? []);
}

/** Adds the NoExecute tolerations for not-ready/unreachable nodes unless the pod tolerates them. */
function withDefaultTolerations(tolerations: Toleration[]): Toleration[] {
  const out = [...tolerations];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'] as const) {
    const tolerated = tolerations.some((t) => (t.key === key || !t.key) && (!t.effect || t.effect === 'NoExecute'));
    if (!tolerated) out.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: tolerationSeconds[key] });
  }
  return out;
}

/** `:latest` or no tag (and no digest) pulls Always, anything else IfNotPresent. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  const tag = colon === -1 ? 'latest' : image.slice(colon + 1);
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Container, hostNetwork: boolean, requestsFromLimits: boolean): void {
  c.imagePullPolicy ||= defaultPullPolicy(c.image ?? '');
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  c.resources ??= {};
  if (requestsFromLimits && isRecord(c.resources.limits)) {
    const requests = { ...(c.resources.requests ?? {}) };
    for (const [k, v] of Object.entries(c.resources.limits)) if (!(k in requests)) requests[k] = v;
    c.resources.requests = requests;
  }
  for (const p of c.ports ?? []) {
    p.protocol ||= 'TCP';
    if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort;
  }
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (probe) defaultProbe(probe);
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ||= 'v1';
  }
  for (const h of [c.lifecycle?.postStart, c.lifecycle?.preStop]) {
    if (h?.httpGet) {
      h.httpGet.path ||= '/';
      h.httpGet.scheme ||= 'HTTP';
    }
  }
}

function defaultProbe(p: Probe): void {
  p.timeoutSeconds ||= 1;
  p.periodSeconds ||= 10;
  p.successThreshold ||= 1;
  p.failureThreshold ||= 3;
  if (p.httpGet) {
    p.httpGet.path ||= '/';
    p.httpGet.scheme ||= 'HTTP';
  }
  if (p.grpc) p.grpc.service ??= '';
}

const volumeSources = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
] as const;

export function volumeSourceNames(v: Volume): string[] {
  const rec = v as unknown as Record<string, unknown>;
  return volumeSources.filter((s) => rec[s] !== undefined && rec[s] !== null);
}

function defaultVolume(v: Volume): void {
  if (volumeSourceNames(v).length === 0) v.emptyDir = {};
  if (v.configMap) v.configMap.defaultMode ??= DEFAULT_MODE;
  if (v.secret) v.secret.defaultMode ??= DEFAULT_MODE;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= DEFAULT_MODE;
    for (const item of v.downwardAPI.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ||= 'v1';
  }
  if (v.projected) {
    v.projected.defaultMode ??= DEFAULT_MODE;
    for (const s of v.projected.sources ?? []) {
      if (s.serviceAccountToken) s.serviceAccountToken.expirationSeconds ??= 3600;
      for (const item of s.downwardAPI?.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ||= 'v1';
    }
  }
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.iscsi) v.iscsi.iscsiInterface ||= 'default';
  if (v.azureDisk) {
    v.azureDisk.cachingMode ||= 'ReadWrite';
    v.azureDisk.fsType ||= 'ext4';
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ||= 'Shared';
  }
}
