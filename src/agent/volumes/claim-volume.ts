// A persistentVolumeClaim (or generic ephemeral) pod volume on the node: the claim must be Bound,
// and its PersistentVolume's hostPath or local path is what the containers mount. A local-path
// volume's directory is created here, on first use, by the only component on its node (the agent).
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { prepareHostPath, type HostPathType } from './host-path.ts';

export interface ClaimLookup {
  getPersistentVolumeClaim?(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  getPersistentVolume?(name: string): Promise<PersistentVolume | undefined>;
}

/** A claim that cannot be used (yet); the message is kubelet's. */
export class ClaimNotReadyError extends Error {
  override name = 'ClaimNotReadyError';
}

const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const LOCAL_PATH = 'rancher.io/local-path';

async function boundClaim(api: ClaimLookup, ns: string, name: string): Promise<{ claim: PersistentVolumeClaim; pv: PersistentVolume }> {
  const claim = await api.getPersistentVolumeClaim?.(ns, name);
  if (!claim) throw new ClaimNotReadyError(`persistentvolumeclaim "${name}" not found`);
  const volumeName = claim.spec?.volumeName ?? '';
  if (claim.metadata?.deletionTimestamp && claim.status?.phase !== 'Bound') throw new ClaimNotReadyError(`persistentvolumeclaim "${name}" is being deleted`);
  if (claim.status?.phase !== 'Bound' || !volumeName) {
    throw new ClaimNotReadyError(`PVC ${ns}/${name} has non-bound phase ("${claim.status?.phase ?? ''}") or empty pvc.Spec.VolumeName ("${volumeName}")`);
  }
  const pv = await api.getPersistentVolume?.(volumeName);
  if (!pv) throw new ClaimNotReadyError(`persistentvolume "${volumeName}" not found`);
  return { claim, pv };
}

/**
 * The host path of a claim's volume, waiting up to `waitMs` for the claim to be bound (the
 * scheduler binds a pod right after choosing a node for its claims, so the claim often becomes
 * Bound a moment after the pod arrives).
 */
export async function claimVolumePath(
  api: ClaimLookup,
  opts: { namespace: string; claim: string; waitMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<string> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + opts.waitMs;
  let found: { pv: PersistentVolume };
  for (;;) {
    try {
      found = await boundClaim(api, opts.namespace, opts.claim);
      break;
    } catch (e) {
      if (!(e instanceof ClaimNotReadyError) || Date.now() >= deadline) throw e;
      await sleep(100);
    }
  }
  const spec = found.pv.spec ?? {};
  if (spec.hostPath) {
    const path = spec.hostPath.path;
    if (found.pv.metadata?.annotations?.[PROVISIONED_BY] === LOCAL_PATH && !(await stat(path).catch(() => undefined))) {
      // local-path-provisioner makes its directories world-writable so any pod user can write.
      await mkdir(path, { recursive: true });
      await chmod(path, 0o777);
    }
    await prepareHostPath(path, spec.hostPath.type as HostPathType | undefined);
    return path;
  }
  if (spec.local) {
    if (!(await stat(spec.local.path).catch(() => undefined))) throw new ClaimNotReadyError(`path "${spec.local.path}" does not exist`);
    return spec.local.path;
  }
  throw new ClaimNotReadyError(`persistentvolume "${found.pv.metadata?.name ?? ''}" has no volume source this node can mount`);
}
