import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { killContainer } from '../hooks/index.ts';
import type { SandboxConfig } from '../runtime/index.ts';
import { isRestartableInit } from '../status/phase.ts';
import { shouldRestart } from '../status/container-statuses.ts';
import { refreshContainers, startContainer } from './container-start.ts';
import type { PodCtx } from './pod-context.ts';
import { podDnsConfig, type ClusterDnsSettings } from './pod-dns.ts';
import { lastSentStatus, requestWake } from './pod-context.ts';
import { VolumeError } from './pod-storage.ts';
import { markStartup } from './startup-trace.ts';

export const DEADLINE_MESSAGE = 'Pod was active on the node longer than the specified deadline';

/**
 * One reconcile of a live pod (kubelet SyncPod + computePodActions): deadline, sandbox (once),
 * volumes, init containers in order (each to success; restartable ones started and kept
 * running), then app containers per restartPolicy. Idempotent; returns `terminal` when the pod
 * will never run a container again (all done, init failed under Never, deadline exceeded), which
 * moves the worker to terminating. Each call makes at most one step of init progress; the worker
 * is woken again by container exits, back-off expiry or a new spec.
 */
export async function syncPod(ctx: PodCtx): Promise<{ terminal: boolean }> {
  const { pod, state, deps } = ctx;
  // Never run a pod the API already reports as finished (e.g. after an agent restart).
  const phase = (lastSentStatus(state) ?? pod.status)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return { terminal: true };
  if (deadlineExceeded(ctx)) return { terminal: true };
  await refreshContainers(ctx);

  // Volumes do not depend on the sandbox (kubelet mounts them before it makes one), so a new pod
  // sets them up side by side with its sandbox — unless a downward API file wants the pod IP.
  const refreshDue = state.volumesRefreshAt !== undefined && deps.clock.now() >= state.volumesRefreshAt;
  const wantVolumes = !state.volumes || refreshDue;
  // Settled into a value at once: a rejection must not go unhandled while the sandbox is made.
  const early =
    wantVolumes && !state.sandbox && !volumesNeedPodIp(pod)
      ? setUpVolumes(ctx, undefined).then(
          (ok) => ({ ok }),
          (error: unknown) => ({ ok: false, error }),
        )
      : undefined;
  if (!state.sandbox) {
    try {
      state.sandbox = await deps.runtime.createSandbox(sandboxConfig(pod, deps.dns));
      markStartup(state.trace, 'sandbox');
    } catch (e) {
      await early;
      deps.api.recordEvent(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errText(e)}`);
      requestWake(state, deps.clock.now() + 5_000);
      return { terminal: false };
    }
  }
  const volumes = early ? await early : { ok: wantVolumes ? await setUpVolumes(ctx, state.sandbox.ip) : true };
  if ('error' in volumes) throw volumes.error;
  if (!volumes.ok) return { terminal: false };
  if (state.volumesRefreshAt !== undefined) requestWake(state, state.volumesRefreshAt);

  const policy = pod.spec?.restartPolicy ?? 'Always';
  const regularStarted = (pod.spec?.containers ?? []).some((c) => (state.containers.get(c.name)?.length ?? 0) > 0);
  for (const c of pod.spec?.initContainers ?? []) {
    const latest = state.containers.get(c.name)?.[0];
    if (isRestartableInit(c)) {
      if (latest?.status.state === 'running' && !(await killUnhealthy(ctx, c))) continue;
      const running = await startContainer(ctx, c);
      if (!running && !regularStarted) return { terminal: false };
      continue;
    }
    if (regularStarted) continue;
    if (!latest) {
      await startContainer(ctx, c);
      return { terminal: false };
    }
    if (latest.status.state === 'running') return { terminal: false };
    if (latest.status.state === 'exited' && latest.status.exitCode === 0) continue;
    if (latest.status.state === 'exited' && policy === 'Never') return { terminal: true };
    await startContainer(ctx, c);
    return { terminal: false };
  }

  // Regular containers start in parallel, as kubelet starts them (init containers above stay in
  // order). Each start only touches its own container's entries of the pod state.
  let done = true;
  const starts: Container[] = [];
  for (const c of pod.spec?.containers ?? []) {
    await killUnhealthy(ctx, c);
    const latest = state.containers.get(c.name)?.[0];
    if (shouldRestart(pod, c, latest, false)) {
      done = false;
      starts.push(c);
    } else if (latest?.status.state !== 'exited') {
      done = false;
    }
  }
  // Settle every start before returning (a throw must not leave one running into the next step).
  const results = await Promise.allSettled(starts.map((c) => startContainer(ctx, c)));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return { terminal: done };
}

/**
 * Sets up (or refreshes) the pod's volumes. Returns false when a first set-up failed (event
 * recorded, retry requested); a failed token renewal keeps the files written before.
 */
async function setUpVolumes(ctx: PodCtx, podIp: string | undefined): Promise<boolean> {
  const { pod, state, deps } = ctx;
  try {
    state.volumes = await deps.storage.setUpVolumes(pod, { api: deps.api, node: deps.api.nodeInfo(), podIp });
    markStartup(state.trace, 'volumes');
    const ttl = shortestTokenSeconds(pod);
    state.volumesRefreshAt = ttl === undefined ? undefined : deps.clock.now() + ttl * 800 + 1_000;
    return true;
  } catch (e) {
    if (!(e instanceof VolumeError)) throw e;
    deps.api.recordEvent(pod, 'Warning', 'FailedMount', e.message);
    requestWake(state, deps.clock.now() + 5_000);
    return state.volumes !== undefined;
  }
}

/** A downward API volume file of status.podIP(s) can only be written once the sandbox has the IP. */
function volumesNeedPodIp(pod: Pod): boolean {
  return (pod.spec?.volumes ?? []).some((v) =>
    [...(v.downwardAPI?.items ?? []), ...(v.projected?.sources ?? []).flatMap((s) => s.downwardAPI?.items ?? [])].some((i) =>
      i.fieldRef?.fieldPath?.startsWith('status.podIP'),
    ),
  );
}

/**
 * kubelet computePodActions' probe check: a running container whose liveness or startup probe
 * failed is killed (with its preStop hook, within the probe's terminationGracePeriodSeconds or the
 * pod's); the caller's restart logic then starts it again per restartPolicy. Returns whether it
 * killed.
 */
async function killUnhealthy(ctx: PodCtx, c: Container): Promise<boolean> {
  const { pod, state, deps } = ctx;
  const latest = state.containers.get(c.name)?.[0];
  if (latest?.status.state !== 'running') return false;
  const failed = deps.probes?.unhealthy(state.uid, c.name, latest.id);
  if (!failed) return false;
  const restart = (pod.spec?.restartPolicy ?? 'Always') !== 'Never' || isRestartableInit(c);
  const message = `Container ${c.name} failed ${failed.kind.toLowerCase()} probe${restart ? ', will be restarted' : ''}`;
  const graceSeconds = failed.probe.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  await killContainer(ctx, { container: c, containerId: latest.id, graceSeconds, message });
  latest.status = (await deps.runtime.containerStatus(latest.id)) ?? latest.status;
  return true;
}

function deadlineExceeded(ctx: PodCtx): boolean {
  const { pod, state, deps } = ctx;
  const seconds = pod.spec?.activeDeadlineSeconds;
  if (state.failure) return true;
  if (seconds === undefined) return false;
  const start = Date.parse(lastSentStatus(state)?.startTime ?? pod.status?.startTime ?? new Date(deps.clock.now()).toISOString());
  const deadline = start + seconds * 1000;
  if (deps.clock.now() < deadline) {
    requestWake(state, deadline);
    return false;
  }
  state.failure = { reason: 'DeadlineExceeded', message: DEADLINE_MESSAGE };
  deps.api.recordEvent(pod, 'Normal', 'DeadlineExceeded', DEADLINE_MESSAGE);
  return true;
}

/** `dns`: the node's cluster DNS settings; absent (hollow nodes, tests), only dnsPolicy None changes resolv.conf. */
export function sandboxConfig(pod: Pod, dns?: ClusterDnsSettings): SandboxConfig {
  const spec = pod.spec;
  const ports = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]
    .flatMap((c) => c.ports ?? [])
    .filter((p) => p.hostPort)
    .map((p) => ({ hostPort: p.hostPort ?? 0, containerPort: p.containerPort, protocol: (p.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp' | 'sctp' }));
  return {
    podUid: pod.metadata?.uid ?? '',
    podName: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? 'default',
    hostname: spec?.hostname ?? pod.metadata?.name,
    portMappings: ports.length ? ports : undefined,
    hostAliases: spec?.hostAliases?.map((a) => ({ ip: a.ip ?? '', hostnames: a.hostnames ?? [] })),
    dns: dns || spec?.dnsPolicy === 'None' ? podDnsConfig(pod, dns ?? NO_CLUSTER_DNS) : undefined,
  };
}

const NO_CLUSTER_DNS: ClusterDnsSettings = { servers: [], domain: 'cluster.local', host: { nameservers: [], searches: [], options: [] } };

export function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Seconds of the shortest-lived projected ServiceAccount token of the pod, if it has any. */
function shortestTokenSeconds(pod: Pod): number | undefined {
  let min: number | undefined;
  for (const v of pod.spec?.volumes ?? []) {
    for (const src of v.projected?.sources ?? []) {
      if (!src.serviceAccountToken) continue;
      const s = src.serviceAccountToken.expirationSeconds ?? 3600;
      min = min === undefined ? s : Math.min(min, s);
    }
  }
  return min;
}
