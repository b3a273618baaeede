/** Linux capability names by bit number (linux/capability.h). */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

/** The set Docker and containerd give a non-privileged container (what Kubernetes users expect). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** `NET_ADMIN` and `cap_net_admin` → `CAP_NET_ADMIN`. */
export function capabilityName(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

/** Names of the capabilities in a hex mask such as /proc/self/status `CapBnd`. */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return ALL_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/**
 * The effective capability list of a container: the default set (or every capability when
 * privileged), plus `add`, minus `drop` (`ALL` supported on both, drop applied first as in
 * containerd), limited to what the host's bounding set allows — asking for more makes runc fail.
 */
export function containerCapabilities(opts: { privileged?: boolean; add?: string[]; drop?: string[] }, hostBounding: readonly string[]): string[] {
  const add = (opts.add ?? []).map(capabilityName);
  const drop = (opts.drop ?? []).map(capabilityName);
  let caps: string[] = opts.privileged ? [...ALL_CAPABILITIES] : [...DEFAULT_CAPABILITIES];
  if (!opts.privileged) {
    caps = drop.includes('CAP_ALL') ? [] : caps.filter((c) => !drop.includes(c));
    caps = add.includes('CAP_ALL') ? [...ALL_CAPABILITIES] : [...caps, ...add];
  }
  const allowed = new Set(hostBounding);
  return [...new Set(caps)].filter((c) => allowed.has(c));
}
