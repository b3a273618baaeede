import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodScheduledCondition, Scheduler, SchedulerHost } from '../scheduler.ts';

/** An in-memory API: binds and deletions feed back into the scheduler like informer events. */
export class FakeHost implements SchedulerHost {
  readonly events: Array<{ pod: string; type: string; reason: string; message: string }> = [];
  readonly conditions = new Map<string, { condition: PodScheduledCondition; nominated?: string }>();
  readonly bindings = new Map<string, string>();
  readonly deleted: string[] = [];
  scheduler: Scheduler | undefined;

  async bind(pod: Pod, nodeName: string): Promise<void> {
    this.bindings.set(pod.metadata!.name!, nodeName);
    this.scheduler?.updatePod({ ...pod, spec: { ...pod.spec!, nodeName } });
  }
  recordEvent(pod: Pod, type: string, reason: string, message: string): void {
    this.events.push({ pod: pod.metadata!.name!, type, reason, message });
  }
  async updatePodCondition(pod: Pod, condition: PodScheduledCondition, nominated?: string): Promise<void> {
    this.conditions.set(pod.metadata!.name!, { condition, nominated });
  }
  async deletePod(pod: Pod): Promise<void> {
    this.deleted.push(pod.metadata!.name!);
    this.scheduler?.deletePod(pod);
  }
  eventsFor(name: string): string[] {
    return this.events.filter((e) => e.pod === name).map((e) => `${e.type} ${e.reason} ${e.message}`);
  }
}
