import type { Probe } from 'kubernetes-types/core/v1.js';
import { execProbe } from './exec-probe.ts';
import { grpcProbe } from './grpc-probe.ts';
import { httpGetProbe } from './http-probe.ts';
import { tcpProbe } from './tcp-probe.ts';
import { ProbeError, type HandlerOutcome, type ProbeHandlers, type ProbeKind, type ProbeTarget } from './types.ts';

export const DEFAULT_HANDLERS: ProbeHandlers = { exec: execProbe, httpGet: httpGetProbe, tcpSocket: tcpProbe, grpc: grpcProbe };

/** What the worker counts: a probe that could not run is thrown away (kubelet prober error). */
export type ProbeVerdict = 'success' | 'failure' | 'error';

export interface ProbeEvent {
  type: 'Warning';
  reason: 'Unhealthy' | 'ProbeWarning';
  message: string;
}

/**
 * kubelet prober.probe: picks the handler, runs it, and says which event the attempt produces:
 * `Unhealthy` with `<Kind> probe failed: <output>` on failure or `<Kind> probe errored: <error>`
 * when it could not run, `ProbeWarning` with `<Kind> probe warning: <output>` (counted as success).
 * Throws nothing.
 */
export async function runProbe(
  probe: Probe,
  opts: { kind: ProbeKind; target: ProbeTarget; handlers: ProbeHandlers },
): Promise<{ verdict: ProbeVerdict; event?: ProbeEvent }> {
  const { kind, target, handlers } = opts;
  let outcome: HandlerOutcome;
  try {
    const handler = probe.exec
      ? handlers.exec
      : probe.httpGet
        ? handlers.httpGet
        : probe.tcpSocket
          ? handlers.tcpSocket
          : probe.grpc
            ? handlers.grpc
            : undefined;
    if (!handler) throw new ProbeError('missing probe handler');
    outcome = await handler(probe, target);
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    return { verdict: 'error', event: { type: 'Warning', reason: 'Unhealthy', message: `${kind} probe errored: ${text}` } };
  }
  if (outcome.result === 'failure')
    return { verdict: 'failure', event: { type: 'Warning', reason: 'Unhealthy', message: `${kind} probe failed: ${outcome.output}` } };
  if (outcome.result === 'warning')
    return { verdict: 'success', event: { type: 'Warning', reason: 'ProbeWarning', message: `${kind} probe warning: ${outcome.output}` } };
  return { verdict: 'success' };
}
