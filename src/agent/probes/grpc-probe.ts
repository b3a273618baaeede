import { connect, constants, type ClientHttp2Session } from 'node:http2';
import type { Probe } from 'kubernetes-types/core/v1.js';
import { joinHostPort } from './net-errors.ts';
import { ProbeError, type HandlerOutcome, type ProbeTarget } from './types.ts';

/*
 * A minimal gRPC client for exactly one call, grpc.health.v1.Health/Check, over cleartext HTTP/2
 * (h2c, as kubelet dials it). gRPC framing is a 5-byte prefix (compressed flag, big-endian
 * length) before each protobuf message; the call's status arrives in the `grpc-status` trailer
 * (or in the headers for a trailers-only answer).
 *   HealthCheckRequest  { string service = 1; }
 *   HealthCheckResponse { ServingStatus status = 1; }  UNKNOWN=0 SERVING=1 NOT_SERVING=2 SERVICE_UNKNOWN=3
 */
const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const GRPC_CODES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];
const UNIMPLEMENTED = 12;

/** Protobuf encoding of HealthCheckRequest, framed for gRPC. */
export function encodeHealthCheckRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  const msg = s.length ? Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]) : Buffer.alloc(0);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(msg.length, 1);
  return Buffer.concat([prefix, msg]);
}

/** The `status` field of a framed HealthCheckResponse (0 when absent, as proto3 defaults). */
export function decodeHealthCheckResponse(framed: Buffer): number {
  if (framed.length < 5) throw new Error('short gRPC message');
  const len = framed.readUInt32BE(1);
  const msg = framed.subarray(5, 5 + len);
  let status = 0;
  for (let i = 0; i < msg.length; ) {
    const [key, next] = readVarint(msg, i);
    i = next;
    const wire = key & 7;
    if (wire === 0) {
      const [v, n] = readVarint(msg, i);
      if (key >> 3 === 1) status = v;
      i = n;
    } else if (wire === 2) {
      const [l, n] = readVarint(msg, i);
      i = n + l;
    } else if (wire === 5) i += 4;
    else if (wire === 1) i += 8;
    else throw new Error(`unexpected protobuf wire type ${wire}`);
  }
  return status;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function readVarint(b: Buffer, at: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (let i = at; i < b.length; i++) {
    const byte = b[i] ?? 0;
    v += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [v, i + 1];
    shift += 7;
  }
  throw new Error('truncated varint');
}

interface CallResult {
  grpcStatus: number;
  grpcMessage: string;
  body: Buffer;
}

/**
 * grpc handler (pkg/probe/grpc): calls Health/Check on the pod IP and port with the probe's
 * service name; SERVING is success, any other status, an RPC error, a server without the health
 * service or no answer in time is failure with upstream's wording.
 */
export async function grpcProbe(probe: Probe, t: ProbeTarget): Promise<HandlerOutcome> {
  const action = probe.grpc;
  if (!t.podIp) throw new ProbeError('pod IP not known yet');
  const addr = joinHostPort(t.podIp, action?.port ?? 0);
  const within = `${t.timeoutSeconds}s`;
  let session: ClientHttp2Session | undefined;
  try {
    session = await openSession(addr, t.signal);
  } catch (e) {
    return {
      result: 'failure',
      output: `timeout: failed to connect service ${JSON.stringify(addr)} within ${within}: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
  try {
    const r = await call(session, encodeHealthCheckRequest(action?.service ?? ''), t.signal);
    if (r === 'timeout') return { result: 'failure', output: `timeout: health rpc did not complete within ${within}` };
    if (r.grpcStatus === UNIMPLEMENTED)
      return { result: 'failure', output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${r.grpcMessage}` };
    if (r.grpcStatus !== 0)
      return {
        result: 'failure',
        output: `error: health rpc probe failed: rpc error: code = ${GRPC_CODES[r.grpcStatus] ?? `Code(${r.grpcStatus})`} desc = ${r.grpcMessage}`,
      };
    const status = decodeHealthCheckResponse(r.body);
    if (status !== 1) return { result: 'failure', output: `service unhealthy (responded with ${JSON.stringify(SERVING_STATUS[status] ?? String(status))})` };
    return { result: 'success', output: 'service healthy' };
  } catch (e) {
    return { result: 'failure', output: `error: health rpc probe failed: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    session.destroy();
  }
}

function openSession(addr: string, signal: AbortSignal): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = connect(`http://${addr}`);
    const onAbort = () => {
      s.destroy();
      reject(new Error('context deadline exceeded'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    s.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(s);
    });
    s.once('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      s.destroy();
      reject(e);
    });
  });
}

function call(session: ClientHttp2Session, body: Buffer, signal: AbortSignal): Promise<CallResult | 'timeout'> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: HEALTH_CHECK_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': 'kube-probe/1.32',
    });
    const chunks: Buffer[] = [];
    let headerStatus: string | undefined;
    let headerMessage: string | undefined;
    let trailerStatus: string | undefined;
    let trailerMessage: string | undefined;
    const onAbort = () => {
      req.close(constants.NGHTTP2_CANCEL);
      resolve('timeout');
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('response', (h) => {
      headerStatus = h['grpc-status']?.toString();
      headerMessage = h['grpc-message']?.toString();
    });
    req.on('trailers', (h) => {
      trailerStatus = h['grpc-status']?.toString();
      trailerMessage = h['grpc-message']?.toString();
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    });
    req.on('end', () => {
      signal.removeEventListener('abort', onAbort);
      const status = trailerStatus ?? headerStatus;
      const message = decodeURIComponent(trailerMessage ?? headerMessage ?? '');
      resolve({
        grpcStatus: status === undefined ? 2 : Number(status),
        grpcMessage: status === undefined ? 'missing grpc-status' : message,
        body: Buffer.concat(chunks),
      });
    });
    req.end(body);
  });
}
