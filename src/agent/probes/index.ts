export { ProbeManager, type ProbeManagerOptions, type ContainerProbeStatus, type UnhealthyContainer } from './probe-manager.ts';
export { runProbe, DEFAULT_HANDLERS, type ProbeVerdict, type ProbeEvent } from './prober.ts';
export { execProbe, CappedSink, MAX_PROBE_OUTPUT } from './exec-probe.ts';
export { httpGetProbe, httpGet, httpGetUrl, probeHeaders, PROBE_USER_AGENT } from './http-probe.ts';
export { tcpProbe } from './tcp-probe.ts';
export { grpcProbe } from './grpc-probe.ts';
export { resolvePort } from './net-errors.ts';
export { ProbeError, PROBE_DEFAULTS, type ProbeHandler, type ProbeHandlers, type ProbeKind, type ProbeTarget, type HandlerOutcome } from './types.ts';
