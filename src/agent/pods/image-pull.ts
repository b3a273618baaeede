import type { Container, Secret } from 'kubernetes-types/core/v1.js';
import { parseImageRef } from '../images/index.ts';
import type { PodCtx } from './pod-context.ts';
import { requestWake } from './pod-context.ts';

/** How soon a pod with an unparsable image name is looked at again (kubelet resyncs it). */
const INVALID_NAME_RETRY_MS = 10_000;
/**
 * After a failed pull the worker syncs again this soon, which shows ImagePullBackOff (kubelet's
 * pod worker requeues a failed sync quickly, so users see ErrImagePull turn into ImagePullBackOff).
 */
const RESYNC_AFTER_FAILED_PULL_MS = 1_000;

/**
 * kubelet's EnsureImageExists for one container: the pull policy decides whether to pull, a failed
 * pull backs off (ErrImagePull, then ImagePullBackOff until the delay expires), and each outcome
 * gets kubelet's event and waiting reason. Returns the imageRef for the container status, or
 * undefined when the container cannot start yet (the waiting reason is set and a wake requested).
 * Never throws for registry failures.
 */
export async function ensureImage(ctx: PodCtx, c: Container, key: string): Promise<string | undefined> {
  const { pod, state, deps } = ctx;
  const images = deps.images!;
  const image = c.image ?? '';
  const event = (type: 'Normal' | 'Warning', reason: string, message: string): void => deps.api.recordEvent(pod, type, reason, message);
  const wait = (reason: string, message: string, retryAt: number): undefined => {
    state.waiting.set(c.name, { reason, message });
    requestWake(state, retryAt);
    return undefined;
  };
  try {
    parseImageRef(image);
  } catch (e) {
    const message = `Failed to apply default image tag "${image}": ${e instanceof Error ? e.message : String(e)}`;
    event('Warning', 'InspectFailed', message);
    return wait('InvalidImageName', message, deps.clock.now() + INVALID_NAME_RETRY_MS);
  }
  const present = await images.find(image);
  const builtin = images.isBuiltin(image);
  const policy = c.imagePullPolicy ?? 'IfNotPresent';
  if (present && (builtin || policy !== 'Always')) {
    event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
    return present.id;
  }
  if (policy === 'Never' || builtin) {
    const message = `Container image "${image}" is not present with pull policy of Never`;
    event('Warning', 'ErrImageNeverPull', message);
    return wait('ErrImageNeverPull', message, deps.clock.now() + INVALID_NAME_RETRY_MS);
  }
  const last = deps.imageBackoff.lastUpdate(key);
  if (last !== undefined && deps.imageBackoff.isInBackOffSince(key, last)) {
    const message = `Back-off pulling image "${image}"`;
    event('Normal', 'BackOff', message);
    event('Warning', 'Failed', 'Error: ImagePullBackOff');
    return wait('ImagePullBackOff', message, last + deps.imageBackoff.get(key));
  }
  event('Normal', 'Pulling', `Pulling image "${image}"`);
  const started = deps.clock.now();
  try {
    const secrets = await pullSecrets(ctx);
    const pulled = await images.pull(image, { secrets });
    const waited = deps.clock.now() - started;
    event(
      'Normal',
      'Pulled',
      `Successfully pulled image "${image}" in ${goDurationMs(pulled.pullMs)} (${goDurationMs(waited)} including waiting). Image size: ${pulled.size} bytes.`,
    );
    deps.log('agent: image pulled', { image, imageID: pulled.id, ms: waited });
    return pulled.id;
  } catch (e) {
    const message = `Failed to pull image "${image}": ${e instanceof Error ? e.message : String(e)}`;
    event('Warning', 'Failed', message);
    event('Warning', 'Failed', 'Error: ErrImagePull');
    deps.log('agent: image pull failed', { image, error: message });
    const at = deps.clock.now();
    deps.imageBackoff.next(key, at);
    return wait('ErrImagePull', message, at + Math.min(RESYNC_AFTER_FAILED_PULL_MS, deps.imageBackoff.get(key)));
  }
}

/** The pod's imagePullSecrets that exist (kubelet skips missing ones with a warning). */
async function pullSecrets(ctx: PodCtx): Promise<Secret[]> {
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  const out: Secret[] = [];
  for (const ref of ctx.pod.spec?.imagePullSecrets ?? []) {
    if (!ref.name) continue;
    const s = await ctx.deps.api.getSecret(ns, ref.name).catch(() => undefined);
    if (s) out.push(s);
    else ctx.deps.log('agent: image pull secret not found', { secret: `${ns}/${ref.name}` });
  }
  return out;
}

/** Go's time.Duration String() truncated to milliseconds: `512ms`, `1.2s`, `1m3.5s`. */
export function goDurationMs(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  if (whole === 0) return '0s';
  if (whole < 1000) return `${whole}ms`;
  const trim = (n: number): string => n.toFixed(3).replace(/\.?0+$/, '');
  if (whole < 60_000) return `${trim(whole / 1000)}s`;
  const h = Math.floor(whole / 3_600_000);
  const m = Math.floor((whole % 3_600_000) / 60_000);
  const s = trim((whole % 60_000) / 1000);
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`;
}
