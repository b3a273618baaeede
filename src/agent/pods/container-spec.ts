import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerSecurity, ContainerSpec, Mount } from '../runtime/index.ts';
import type { EnvContext } from './env.ts';
import { containerEnv } from './env.ts';
import { configError } from './errors.ts';
import { expand } from './expansion.ts';
import type { PodStorage } from './pod-storage.ts';
import { oomScoreAdj } from './qos.ts';
import { milliValue, parseQuantity } from '../../api/index.ts';

/** Labels every container carries, so an adopted container can be mapped back to its pod. */
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_TERMINATION_LOG = 'peapod.dev/termination-log';
/** Pod annotations with this prefix are copied into container labels (hollow runtime knobs). */
export const HOLLOW_ANNOTATION_PREFIX = 'peapod.dev/hollow-';

export interface ContainerSpecOptions extends EnvContext {
  /** restartCount this container will have; stored as ContainerSpec.attempt. */
  attempt: number;
  /** Volume name → host path, from PodStorage.setUpVolumes. */
  volumes: ReadonlyMap<string, string>;
  storage: Pick<PodStorage, 'subPath' | 'terminationLogPath'>;
  /** For the Burstable oomScoreAdj formula; bytes. */
  memoryCapacityBytes: number;
}

/**
 * Kubernetes pod + container → runtime ContainerSpec (kubelet generateContainerConfig). Throws
 * ContainerStartError with reason CreateContainerConfigError for anything the user must fix
 * (missing configMap/secret or key, unknown volume, bad subPath, runAsNonRoot violated).
 */
export async function buildContainerSpec(pod: Pod, container: Container, opts: ContainerSpecOptions): Promise<ContainerSpec> {
  const uid = pod.metadata?.uid ?? '';
  const env = await containerEnv(pod, container, opts);
  const envMap = new Map(env.map((e) => [e.name, e.value]));
  const lookup = (name: string): string | undefined => envMap.get(name);
  const mounts: Mount[] = [];
  for (const vm of container.volumeMounts ?? []) {
    const hostDir = opts.volumes.get(vm.name);
    if (hostDir === undefined) throw configError(`cannot find volume "${vm.name}" to mount into container "${container.name}"`);
    let sub = vm.subPath;
    if (vm.subPathExpr) {
      sub = expand(vm.subPathExpr, lookup);
      if (sub.includes('`')) throw configError(`failed to prepare subPath for volumeMount "${vm.name}" of container "${container.name}"`);
      if (sub.startsWith('/')) throw configError(`failed to prepare subPath for volumeMount "${vm.name}" of container "${container.name}"`);
    }
    let hostPath = hostDir;
    if (sub) {
      try {
        hostPath = await opts.storage.subPath(hostDir, sub);
      } catch {
        throw configError(`failed to prepare subPath for volumeMount "${vm.name}" of container "${container.name}"`);
      }
    }
    mounts.push({ containerPath: vm.mountPath, hostPath, readOnly: vm.readOnly ?? false });
  }
  const terminationLog = await opts.storage.terminationLogPath(uid, container.name, opts.attempt);
  const terminationPath = container.terminationMessagePath || '/dev/termination-log';
  if (!mounts.some((m) => m.containerPath === terminationPath)) mounts.push({ containerPath: terminationPath, hostPath: terminationLog });

  const security = mergeSecurity(pod, container);
  const labels: Record<string, string> = {
    [LABEL_POD_NAME]: pod.metadata?.name ?? '',
    [LABEL_POD_NAMESPACE]: pod.metadata?.namespace ?? '',
    [LABEL_TERMINATION_LOG]: terminationLog,
  };
  for (const [k, v] of Object.entries(pod.metadata?.annotations ?? {})) if (k.startsWith(HOLLOW_ANNOTATION_PREFIX)) labels[k] = v;

  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const cpuRequest = requests.cpu ?? limits.cpu;
  const spec: ContainerSpec = {
    podUid: uid,
    name: container.name,
    attempt: opts.attempt,
    image: container.image ?? '',
    command: container.command?.map((s) => expand(s, lookup)),
    args: container.args?.map((s) => expand(s, lookup)),
    env,
    workingDir: container.workingDir || undefined,
    mounts,
    resources: {
      memoryLimitBytes: limits.memory === undefined ? undefined : Math.ceil(parseQuantity(limits.memory)),
      cpuLimitMilli: limits.cpu === undefined ? undefined : milliValue(limits.cpu),
      cpuRequestMilli: cpuRequest === undefined ? undefined : milliValue(cpuRequest),
      oomScoreAdj: oomScoreAdj(pod, container, opts.memoryCapacityBytes),
    },
    security,
    tty: container.tty ?? false,
    stdin: container.stdin ?? false,
    labels,
  };
  return spec;
}

/** Container-level securityContext fields override the pod-level ones (kubelet determineEffective…). */
export function mergeSecurity(pod: Pod, container: Container): ContainerSecurity {
  const psc = pod.spec?.securityContext ?? {};
  const csc = container.securityContext ?? {};
  const runAsUser = csc.runAsUser ?? psc.runAsUser;
  const runAsNonRoot = csc.runAsNonRoot ?? psc.runAsNonRoot;
  if (runAsNonRoot && runAsUser === 0) {
    throw configError(`container's runAsUser breaks non-root policy (pod: "${podRef(pod)}", container: ${container.name})`);
  }
  const groups = [...(psc.supplementalGroups ?? [])];
  if (psc.fsGroup !== undefined && !groups.includes(psc.fsGroup)) groups.push(psc.fsGroup);
  return {
    runAsUser,
    runAsGroup: csc.runAsGroup ?? psc.runAsGroup,
    supplementalGroups: groups.length ? groups : undefined,
    privileged: csc.privileged,
    readOnlyRootFilesystem: csc.readOnlyRootFilesystem,
    capabilities: csc.capabilities ? { add: csc.capabilities.add, drop: csc.capabilities.drop } : undefined,
    allowPrivilegeEscalation: csc.allowPrivilegeEscalation,
  };
}

/** kubelet's format.Pod: `name_namespace(uid)`. */
export function podRef(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}
