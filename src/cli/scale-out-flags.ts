// Flags of `peapod server` for running beyond one machine, named as kube-apiserver's
// (--etcd-servers, --etcd-prefix, --etcd-cafile/--etcd-certfile/--etcd-keyfile) and
// kube-scheduler's / kube-controller-manager's (--leader-elect and its three timings).
import type { Command } from 'commander';
import { DEFAULT_LEADER_ELECTION } from '../client/index.ts';
import type { EtcdStorageConfig } from '../server/open-backend.ts';
import type { LeaderElectionFlags } from '../server/leader-elected.ts';
import { parseDuration } from './node-timers.ts';

export interface ScaleOutFlags {
  etcdServers?: string;
  etcdPrefix: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  leaderElect: boolean;
  leaderElectLeaseDuration: number;
  leaderElectRenewDeadline: number;
  leaderElectRetryPeriod: number;
}

function parseBool(v: string | undefined): boolean {
  if (v === undefined || v === 'true') return true;
  if (v === 'false') return false;
  throw new Error(`expected true or false, got ${JSON.stringify(v)}`);
}

export function addScaleOutFlags(command: Command): Command {
  return addLeaderElectFlags(addEtcdFlags(command));
}

export function addEtcdFlags(command: Command): Command {
  return command
    .option('--etcd-servers <urls>', 'comma-separated etcd client URLs; state lives there instead of <data-dir>/state.db, and several servers may share it')
    .option('--etcd-prefix <prefix>', 'prefix of every key in etcd', '/registry')
    .option('--etcd-cafile <file>', 'CA bundle to verify etcd servers (TLS)')
    .option('--etcd-certfile <file>', 'client certificate for etcd (TLS)')
    .option('--etcd-keyfile <file>', 'client key for etcd (TLS)');
}

function addLeaderElectFlags(command: Command): Command {
  return command
    .option('--leader-elect [bool]', 'run the scheduler and controller manager only while holding their Lease in kube-system', parseBool, true)
    .option(
      '--leader-elect-lease-duration <duration>',
      'how long non-leaders wait before taking over an unrenewed lease',
      parseDuration,
      DEFAULT_LEADER_ELECTION.leaseDurationMs,
    )
    .option(
      '--leader-elect-renew-deadline <duration>',
      'how long the leader retries renewing before giving up',
      parseDuration,
      DEFAULT_LEADER_ELECTION.renewDeadlineMs,
    )
    .option('--leader-elect-retry-period <duration>', 'pause between acquire/renew attempts', parseDuration, DEFAULT_LEADER_ELECTION.retryPeriodMs);
}

export function etcdFromFlags(
  flags: Pick<ScaleOutFlags, 'etcdServers' | 'etcdPrefix' | 'etcdCafile' | 'etcdCertfile' | 'etcdKeyfile'>,
): EtcdStorageConfig | undefined {
  if (!flags.etcdServers) return undefined;
  const servers = flags.etcdServers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const url of servers) {
    if (!/^https?:\/\/[^/]+\/?$/.test(url)) throw new Error(`--etcd-servers: ${JSON.stringify(url)} is not an http(s)://host:port URL`);
  }
  return { servers, prefix: flags.etcdPrefix, caFile: flags.etcdCafile, certFile: flags.etcdCertfile, keyFile: flags.etcdKeyfile };
}

export function leaderElectionFromFlags(flags: ScaleOutFlags): LeaderElectionFlags {
  const timings = {
    enabled: flags.leaderElect,
    leaseDurationMs: flags.leaderElectLeaseDuration,
    renewDeadlineMs: flags.leaderElectRenewDeadline,
    retryPeriodMs: flags.leaderElectRetryPeriod,
  };
  // The checks upstream's options validation makes.
  if (timings.enabled && timings.leaseDurationMs <= timings.renewDeadlineMs) {
    throw new Error('--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline');
  }
  if (timings.enabled && timings.renewDeadlineMs <= timings.retryPeriodMs) {
    throw new Error('--leader-elect-renew-deadline must be greater than --leader-elect-retry-period');
  }
  return timings;
}
