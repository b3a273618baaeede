import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../pods/clock.ts';
import { podRef } from '../pods/container-spec.ts';
import { CappedSink } from '../probes/exec-probe.ts';
import { httpGet, httpGetUrl, probeHeaders } from '../probes/http-probe.ts';
import type { ContainerRuntime } from '../runtime/index.ts';

/** User-Agent of lifecycle hook requests (kubelet uses `kube-lifecycle/<version>`). */
export const HOOK_USER_AGENT = 'kube-lifecycle/1.32';

export interface HookTarget {
  pod: Pod;
  container: Container;
  containerId: string;
  podIp: string | undefined;
  runtime: ContainerRuntime;
  clock: Clock;
  /** Aborts the hook (preStop: the grace period ran out). */
  signal?: AbortSignal;
}

export type HookOutcome = { ok: true } | { ok: false; message: string };

/**
 * Runs one lifecycle handler (kubelet lifecycle.HandlerRunner): exec in the container through the
 * runtime (non-zero exit fails), an HTTP GET to the pod (only a transport error fails; the status
 * code is ignored, as upstream), or a sleep on the agent's clock. The failure message is kubelet's,
 * e.g. `Exec lifecycle hook ([sh -c exit 1]) for Container "web" in Pod "web_default(uid)" failed -
 * error: command 'sh -c exit 1' exited with 1: , message: ""`. Never throws.
 */
export async function runHook(handler: LifecycleHandler, t: HookTarget): Promise<HookOutcome> {
  const who = `for Container ${JSON.stringify(t.container.name)} in Pod ${JSON.stringify(podRef(t.pod))}`;
  if (handler.exec) {
    const cmd = handler.exec.command ?? [];
    const stdout = new CappedSink();
    const stderr = new CappedSink();
    let code: number;
    try {
      code = await t.runtime.exec(t.containerId, cmd, { stdout, stderr, signal: t.signal });
    } catch (e) {
      return {
        ok: false,
        message: `Exec lifecycle hook ([${cmd.join(' ')}]) ${who} failed - error: ${e instanceof Error ? e.message : String(e)}, message: ""`,
      };
    }
    if (code === 0) return { ok: true };
    const error = `command '${cmd.join(' ')}' exited with ${code}: ${stderr.text()}`;
    return {
      ok: false,
      message: `Exec lifecycle hook ([${cmd.join(' ')}]) ${who} failed - error: ${error}, message: ${JSON.stringify(stdout.text() + stderr.text())}`,
    };
  }
  if (handler.httpGet) {
    try {
      const url = httpGetUrl(handler.httpGet, { container: t.container, podIp: t.podIp });
      await httpGet(url, { headers: probeHeaders(handler.httpGet, HOOK_USER_AGENT), signal: t.signal ?? new AbortController().signal });
      return { ok: true };
    } catch (e) {
      return { ok: false, message: `HTTP lifecycle hook (${handler.httpGet.path ?? ''}) ${who} failed - error: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  if (handler.sleep) {
    await sleep(t.clock, { ms: handler.sleep.seconds * 1000, signal: t.signal });
    return { ok: true };
  }
  return { ok: false, message: `Cannot run handler: invalid handler: ${JSON.stringify(handler)}` };
}

function sleep(clock: Clock, { ms, signal }: { ms: number; signal: AbortSignal | undefined }): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = clock.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      timer.cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
