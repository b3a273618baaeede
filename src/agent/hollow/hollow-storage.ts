import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodStorage, VolumeContext } from '../pods/pod-storage.ts';
import { assertVolumesSupported, projectedFiles } from '../pods/volume-sources.ts';

/**
 * PodStorage for hollow nodes: nothing touches the disk. Volumes map to made-up paths, but
 * configMap/secret/downwardAPI volumes are still resolved, so a missing configMap fails the same
 * way (FailedMount) as on a real node. Termination messages are always empty.
 */
export class HollowPodStorage implements PodStorage {
  readonly #pods = new Set<string>();

  async setUpVolumes(pod: Pod, ctx: VolumeContext): Promise<Map<string, string>> {
    const uid = pod.metadata?.uid ?? '';
    this.#pods.add(uid);
    const out = new Map<string, string>();
    assertVolumesSupported(pod);
    for (const vol of pod.spec?.volumes ?? []) {
      if (vol.hostPath) out.set(vol.name, vol.hostPath.path);
      else {
        if (!vol.emptyDir) await projectedFiles(pod, vol, ctx);
        out.set(vol.name, `/hollow/pods/${uid}/volumes/${vol.name}`);
      }
    }
    return out;
  }

  async subPath(volumeDir: string, subPath: string): Promise<string> {
    return `${volumeDir}/${subPath}`;
  }

  async terminationLogPath(podUid: string, container: string, attempt: number): Promise<string> {
    this.#pods.add(podUid);
    return `/hollow/pods/${podUid}/containers/${container}/${attempt}.termination-log`;
  }

  async readTerminationMessage(): Promise<string> {
    return '';
  }

  async readLogTail(): Promise<string> {
    return '';
  }

  async tearDown(podUid: string): Promise<void> {
    this.#pods.delete(podUid);
  }

  async listPods(): Promise<string[]> {
    return [...this.#pods];
  }
}
