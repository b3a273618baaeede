import { connect } from 'node:net';
import type { Probe } from 'kubernetes-types/core/v1.js';
import { dialErrorText, joinHostPort, resolvePort } from './net-errors.ts';
import { ProbeError, type HandlerOutcome, type ProbeTarget } from './types.ts';

/**
 * tcpSocket handler (pkg/probe/tcp): success when a TCP connection opens within the timeout (it is
 * closed at once); failure with Go's dial error text otherwise, e.g.
 * `dial tcp 10.42.0.5:8080: connect: connection refused` or `... i/o timeout`.
 */
export async function tcpProbe(probe: Probe, t: ProbeTarget): Promise<HandlerOutcome> {
  const action = probe.tcpSocket ?? { port: 0 };
  const host = action.host || t.podIp;
  if (!host) throw new ProbeError('pod IP not known yet');
  const port = resolvePort(action.port, t.container);
  const address = joinHostPort(host, port);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (o: HandlerOutcome) => {
      t.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(o);
    };
    const onAbort = () => finish({ result: 'failure', output: `dial tcp ${address}: i/o timeout` });
    if (t.signal.aborted) return onAbort();
    t.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ result: 'success', output: '' }));
    socket.once('error', (e) => finish({ result: 'failure', output: dialErrorText(e, address) }));
  });
}
