import type { Container } from 'kubernetes-types/core/v1.js';
import { runPostStart } from '../hooks/index.ts';
import { ImageNotFoundError } from '../images/index.ts';
import type { ObservedContainer } from '../status/types.ts';
import { goDuration } from './backoff.ts';
import { ensureImage } from './image-pull.ts';
import { buildContainerSpec, LABEL_TERMINATION_LOG, podRef } from './container-spec.ts';
import { ContainerStartError } from './errors.ts';
import type { PodCtx } from './pod-context.ts';
import { requestWake } from './pod-context.ts';
import { markStartup } from './startup-trace.ts';

const KEEP_INSTANCES = 2;

/** Re-reads the runtime state of each container's newest instance; reads termination messages once. */
export async function refreshContainers(ctx: PodCtx): Promise<void> {
  const { state, deps, pod } = ctx;
  for (const [name, list] of state.containers) {
    const latest = list[0];
    if (!latest) continue;
    if (latest.status.state !== 'exited') {
      const st = await deps.runtime.containerStatus(latest.id);
      if (!st) {
        list.shift();
        continue;
      }
      latest.status = st;
    }
    for (const inst of list) {
      if (inst.status.state !== 'exited' || inst.message !== undefined) continue;
      inst.message = await terminationMessage(ctx, inst, findContainer(pod, name));
    }
  }
}

async function terminationMessage(ctx: PodCtx, inst: ObservedContainer, c: Container | undefined): Promise<string> {
  const { deps, state } = ctx;
  const file = state.logFiles.get(inst.id);
  let msg = file ? await deps.storage.readTerminationMessage(file) : '';
  if (msg === '' && c?.terminationMessagePolicy === 'FallbackToLogsOnError' && inst.status.exitCode !== 0) {
    msg = await deps.storage.readLogTail(deps.runtime.logPath(inst.id));
  }
  return msg;
}

export function findContainer(ctx: PodCtx['pod'], name: string): Container | undefined {
  return [...(ctx.spec?.initContainers ?? []), ...(ctx.spec?.containers ?? [])].find((c) => c.name === name);
}

/**
 * Starts the next instance of `c` unless it is in CrashLoopBackOff or image back-off. Returns
 * whether it now runs. Failures become waiting reasons and events (never throws for expected
 * outcomes), and the worker is asked to wake when the back-off expires.
 */
export async function startContainer(ctx: PodCtx, c: Container): Promise<boolean> {
  const { pod, state, deps } = ctx;
  const key = `${state.uid}/${c.name}`;
  const list = state.containers.get(c.name) ?? [];
  const latest = list[0];
  const now = deps.clock.now();
  if (latest?.status.state === 'exited') {
    const finished = Date.parse(latest.status.finishedAt ?? latest.status.createdAt);
    if (deps.backoff.isInBackOffSince(key, finished)) {
      const delay = deps.backoff.get(key);
      const message = `back-off ${goDuration(delay)} restarting failed container=${c.name} pod=${podRef(pod)}`;
      if (state.waiting.get(c.name)?.reason !== 'CrashLoopBackOff') {
        deps.api.recordEvent(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podRef(pod)}`);
      }
      state.waiting.set(c.name, { reason: 'CrashLoopBackOff', message });
      requestWake(state, finished + delay);
      return false;
    }
  }
  const image = c.image ?? '';
  let imageId = '';
  if (deps.images) {
    const ensured = await ensureImage(ctx, c, key);
    if (ensured === undefined) return false;
    imageId = ensured;
    markStartup(state.trace, `${c.name} image`);
  } else {
    const lastPull = deps.imageBackoff.lastUpdate(key);
    const waitingReason = state.waiting.get(c.name)?.reason;
    if (lastPull !== undefined && isImageReason(waitingReason) && deps.imageBackoff.isInBackOffSince(key, lastPull)) {
      if (waitingReason !== 'ErrImageNeverPull') state.waiting.set(c.name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` });
      requestWake(state, lastPull + deps.imageBackoff.get(key));
      return false;
    }
  }
  try {
    if (latest?.status.state === 'exited') deps.backoff.next(key, Date.parse(latest.status.finishedAt ?? latest.status.createdAt));
    const attempt = latest ? latest.attempt + 1 : 0;
    const spec = await buildContainerSpec(pod, c, {
      api: deps.api,
      node: deps.api.nodeInfo(),
      podIp: state.sandbox?.ip,
      attempt,
      volumes: state.volumes ?? new Map(),
      storage: deps.storage,
      memoryCapacityBytes: deps.memoryCapacityBytes,
    });
    let id: string;
    try {
      id = await deps.runtime.createContainer(spec);
      markStartup(state.trace, `${c.name} created`);
    } catch (e) {
      if (e instanceof ImageNotFoundError) throw e;
      throw new ContainerStartError('CreateContainerError', e instanceof Error ? e.message : String(e));
    }
    if (!deps.images) deps.api.recordEvent(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
    deps.api.recordEvent(pod, 'Normal', 'Created', `Created container: ${c.name}`);
    const inst: ObservedContainer = {
      id,
      name: c.name,
      attempt,
      image,
      imageId,
      status: { id, state: 'created', oomKilled: false, createdAt: new Date(now).toISOString() },
    };
    state.logFiles.set(id, spec.labels?.[LABEL_TERMINATION_LOG] ?? '');
    list.unshift(inst);
    state.containers.set(c.name, list);
    for (const old of list.splice(KEEP_INSTANCES)) {
      await deps.runtime.removeContainer(old.id);
      state.logFiles.delete(old.id);
    }
    try {
      await deps.runtime.startContainer(id);
      markStartup(state.trace, `${c.name} started`);
    } catch (e) {
      throw new ContainerStartError('RunContainerError', e instanceof Error ? e.message : String(e));
    }
    inst.status = (await deps.runtime.containerStatus(id)) ?? inst.status;
    deps.api.recordEvent(pod, 'Normal', 'Started', `Started container ${c.name}`);
    state.waiting.delete(c.name);
    if (!(await runPostStart(ctx, { container: c, containerId: id }))) {
      inst.status = (await deps.runtime.containerStatus(id)) ?? inst.status;
      return false;
    }
    inst.status = (await deps.runtime.containerStatus(id)) ?? inst.status;
    return inst.status.state === 'running';
  } catch (e) {
    if (e instanceof ImageNotFoundError) return imageMissing(ctx, c, key);
    if (!(e instanceof ContainerStartError)) throw e;
    deps.api.recordEvent(pod, 'Warning', 'Failed', `Error: ${e.message}`);
    state.waiting.set(c.name, { reason: e.reason, message: e.message });
    requestWake(state, now + 10_000);
    return false;
  }
}

function isImageReason(r: string | undefined): boolean {
  return r === 'ErrImagePull' || r === 'ImagePullBackOff' || r === 'ErrImageNeverPull';
}

function imageMissing(ctx: PodCtx, c: Container, key: string): boolean {
  const { pod, state, deps } = ctx;
  const image = c.image ?? '';
  const now = deps.clock.now();
  const never = c.imagePullPolicy === 'Never';
  const message = never
    ? `Container image "${image}" is not present with pull policy of Never`
    : `Failed to pull image "${image}": image not present in the node's image store`;
  const reason = never ? 'ErrImageNeverPull' : 'ErrImagePull';
  deps.api.recordEvent(pod, 'Warning', never ? 'ErrImageNeverPull' : 'Failed', message);
  deps.imageBackoff.next(key, now);
  state.waiting.set(c.name, { reason, message });
  requestWake(state, now + deps.imageBackoff.get(key));
  return false;
}
