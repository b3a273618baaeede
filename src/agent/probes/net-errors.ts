import type { Container } from 'kubernetes-types/core/v1.js';
import { ProbeError } from './types.ts';

/**
 * A port given by number or by the name of one of the container's ports (kubelet
 * findPortByName / resolvePort). A numeric string counts as a number, as upstream.
 */
export function resolvePort(port: number | string | undefined, container: Container): number {
  if (typeof port === 'number') return port;
  if (port === undefined || port === '') throw new ProbeError('port not specified');
  if (/^\d+$/.test(port)) return Number(port);
  const found = container.ports?.find((p) => p.name === port);
  if (!found) throw new ProbeError(`couldn't find port: ${port} in ${container.name}`);
  return found.containerPort;
}

/** `host:port`, bracketing IPv6 literals (Go's net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  ETIMEDOUT: 'i/o timeout',
  ECONNRESET: 'connection reset by peer',
};

/**
 * A Node socket error in the words of Go's net package, which users know from kubelet events:
 * `dial tcp 10.42.0.5:8080: connect: connection refused`.
 */
export function dialErrorText(e: unknown, address: string): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const known = CONNECT_ERRORS[code];
  if (known) return `dial tcp ${address}: ${known}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${address.replace(/:\d+$/, '')}: no such host`;
  return e instanceof Error ? e.message : String(e);
}
