import type { ContainerRuntime } from '../runtime/index.ts';
import type { ObservedContainer } from '../status/types.ts';
import { LABEL_TERMINATION_LOG } from './container-spec.ts';
import type { PodState } from './pod-context.ts';
import { newPodState } from './pod-context.ts';

/**
 * What the runtime already runs, per pod UID, as pod-worker state: after an agent restart the
 * worker continues from it instead of starting containers again. restartCount survives because
 * it is the newest instance's attempt number. Volumes are set up again (idempotently) on the
 * first sync; CrashLoopBackOff delays are not kept (kubelet does not keep them either).
 */
export async function adoptRuntimeState(
  runtime: ContainerRuntime,
  resolveImage?: (ref: string) => Promise<{ id: string } | undefined>,
): Promise<Map<string, PodState>> {
  const out = new Map<string, PodState>();
  const get = (uid: string): PodState => {
    let s = out.get(uid);
    if (!s) out.set(uid, (s = newPodState(uid)));
    return s;
  };
  for (const sb of await runtime.listSandboxes()) get(sb.podUid).sandbox = sb;
  const imageIds = new Map<string, string>();
  for (const info of await runtime.listContainers()) {
    const state = get(info.podUid);
    if (resolveImage && !imageIds.has(info.image)) imageIds.set(info.image, (await resolveImage(info.image))?.id ?? '');
    const inst: ObservedContainer = {
      id: info.id,
      name: info.name,
      attempt: info.attempt,
      image: info.image,
      imageId: imageIds.get(info.image) ?? '',
      status: info.status,
    };
    const list = state.containers.get(info.name) ?? [];
    list.push(inst);
    state.containers.set(info.name, list);
    const logFile = info.labels[LABEL_TERMINATION_LOG];
    if (logFile) state.logFiles.set(info.id, logFile);
  }
  for (const state of out.values()) {
    for (const list of state.containers.values()) list.sort((a, b) => b.attempt - a.attempt || Date.parse(b.status.createdAt) - Date.parse(a.status.createdAt));
  }
  return out;
}
