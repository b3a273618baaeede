import { readFileSync } from 'node:fs';
import { capabilitiesFromMask } from './capabilities.ts';

/** Capabilities in this process's bounding set (root here lacks CAP_SYS_RESOURCE). */
export function hostCapabilities(): string[] {
  const status = readFileSync('/proc/self/status', 'utf8');
  const mask = /^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1];
  return mask ? capabilitiesFromMask(mask) : [];
}

/** Hard RLIMIT_NOFILE of this process; containers may not exceed it without CAP_SYS_RESOURCE. */
export function nofileHardLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(limits)?.[1];
  return hard && /^\d+$/.test(hard) ? Number(hard) : 1024;
}
