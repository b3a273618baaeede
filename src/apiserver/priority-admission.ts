// The Priority admission plugin (upstream plugin/pkg/admission/priority): resolves a new pod's
// spec.priorityClassName to spec.priority and spec.preemptionPolicy (or applies the global default
// class), keeps both on pod updates, allows only one globalDefault PriorityClass, and refuses to
// delete the built-in classes.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { AdmissionReads } from './admission-reads.ts';
import { ApiError } from './errors.ts';
import { view } from './registry/common.ts';
import { SYSTEM_PRIORITY_CLASSES } from './registry/priorityclasses.ts';
import type { KObject, ResourceEntry } from './registry/types.ts';
import type { AdmissionPlugin } from './store/generic-store.ts';

/** Upstream DefaultPriorityWhenNoDefaultClassExists. */
const DEFAULT_PRIORITY = 0;
const DEFAULT_PREEMPTION_POLICY = 'PreemptLowerPriority';
const GROUP = 'scheduling.k8s.io';
const RESOURCE = 'priorityclasses';

function forbidden(entry: ResourceEntry, name: string, why: string): ApiError {
  const qualified = entry.group ? `${entry.resource}.${entry.group}` : entry.resource;
  return new ApiError(403, 'Forbidden', `${qualified} "${name}" is forbidden: ${why}`, {
    name,
    ...(entry.group ? { group: entry.group } : {}),
    kind: entry.resource,
  });
}

/**
 * `reads` returns admission's cached reads (undefined until the server built them): a class
 * created a moment ago is seen by the next pod create, and no create reads storage for it.
 */
export function priorityAdmission(reads: () => AdmissionReads | undefined): AdmissionPlugin {
  async function lookup(name: string): Promise<PriorityClass | undefined> {
    const found = await reads()?.get(GROUP, RESOURCE, undefined, name);
    return found && view<PriorityClass>(found);
  }
  /** Upstream: with several global defaults (a create race), the lowest value wins. */
  async function globalDefault(): Promise<PriorityClass | undefined> {
    let best: PriorityClass | undefined;
    for (const item of (await reads()?.list(GROUP, RESOURCE, undefined)) ?? []) {
      const pc = view<PriorityClass>(item);
      if (pc.globalDefault && (!best || best.value > pc.value)) best = pc;
    }
    return best;
  }

  async function admitPodCreate(entry: ResourceEntry, obj: KObject): Promise<void> {
    const pod = obj as Pod;
    const spec = (pod.spec ?? {}) as { priorityClassName?: string; priority?: number; preemptionPolicy?: string };
    const name = pod.metadata?.name ?? '';
    let priority: number;
    let policy: string | undefined;
    // Pod defaulting already set priority 0 and PreemptLowerPriority when nothing was given, so a
    // value equal to those defaults counts as "not provided" here.
    let defaultedPriority = false;
    if (!spec.priorityClassName) {
      const dpc = await globalDefault();
      if (dpc) {
        spec.priorityClassName = dpc.metadata?.name ?? '';
        priority = dpc.value;
        policy = dpc.preemptionPolicy;
        defaultedPriority = spec.priority === DEFAULT_PRIORITY;
      } else {
        priority = DEFAULT_PRIORITY;
        policy = DEFAULT_PREEMPTION_POLICY;
      }
    } else {
      const pc = await lookup(spec.priorityClassName);
      if (!pc) throw forbidden(entry, name, `no PriorityClass with name ${spec.priorityClassName} was found`);
      priority = pc.value;
      policy = pc.preemptionPolicy;
    }
    if (spec.priority !== undefined && spec.priority !== priority && !defaultedPriority) {
      throw forbidden(
        entry,
        name,
        `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
      );
    }
    spec.priority = priority;
    if (policy) {
      if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== policy && spec.preemptionPolicy !== DEFAULT_PREEMPTION_POLICY) {
        throw forbidden(
          entry,
          name,
          `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
        );
      }
      spec.preemptionPolicy = policy;
    }
    pod.spec = spec as Pod['spec'];
  }

  return async ({ operation, entry, obj, old, subresource }) => {
    if (subresource) return;
    if (entry.group === '' && entry.resource === 'pods') {
      if (operation === 'CREATE') await admitPodCreate(entry, obj);
      else if (operation === 'UPDATE' && old) {
        // Keep what admission set on create; validation then rejects real changes.
        const spec = (obj.spec ?? {}) as Record<string, unknown>;
        const oldSpec = (old.spec ?? {}) as Record<string, unknown>;
        if (spec.priority === undefined && oldSpec.priority !== undefined) spec.priority = oldSpec.priority;
        if (spec.preemptionPolicy === undefined && oldSpec.preemptionPolicy !== undefined) spec.preemptionPolicy = oldSpec.preemptionPolicy;
      }
      return;
    }
    if (entry.group !== 'scheduling.k8s.io' || entry.resource !== 'priorityclasses') return;
    const name = obj.metadata?.name ?? '';
    if (operation === 'DELETE') {
      if (SYSTEM_PRIORITY_CLASSES.some((s) => s.metadata?.name === name)) {
        throw forbidden(entry, name, 'this is a system priority class and cannot be deleted');
      }
      return;
    }
    if (!view<PriorityClass>(obj).globalDefault) return;
    const dpc = await globalDefault();
    if (dpc && (operation === 'CREATE' || dpc.metadata?.name !== name)) {
      throw forbidden(entry, name, `PriorityClass ${dpc.metadata?.name ?? ''} is already marked as default. Only one default can exist`);
    }
  };
}
