// `peapod server`: runs the API server (and, as they land, scheduler, controllers and an embedded
// agent) in the foreground until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { isIPv4 } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { componentLog, createCliLogger, logFormatFlag } from './cli-logger.ts';
import { startPeapodServer } from '../server/peapod-server.ts';
import { parseListen } from './listen.ts';
import { defaultComponents } from '../server/components.ts';
import { controllerManager, type ControllerManagerFlags } from '../controllers/manager.ts';
import { setDefaultTolerationSeconds } from '../apiserver/registry/pods/pod-defaults.ts';
import { describeNodeTimers, NODE_TIMER_PROFILES, parseDuration, resolveNodeTimers } from './node-timers.ts';
import { addScaleOutFlags, etcdFromFlags, leaderElectionFromFlags, type ScaleOutFlags } from './scale-out-flags.ts';
import { withLeaderElection } from '../server/leader-elected.ts';
import { DASHBOARD_PATH } from '../dashboard/index.ts';

export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/peapod' : join(homedir(), '.peapod');
}

interface ServerFlags extends ScaleOutFlags {
  dataDir: string;
  listen: string;
  advertiseAddress?: string;
  minRequestTimeout: number;
  defaultWatchCacheSize: number;
  eventTtl: number;
  storageCompactWindow: number;
  storageCompactInterval: number;
  disable: string;
  nodeName?: string;
  controlPlaneTaint?: boolean;
  podCidr?: string;
  profile: string;
  nodeMonitorGracePeriod?: number;
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  auditLogPath?: string;
  auditPolicyFile?: string;
  nodeLeaseDurationSeconds?: number;
  logFormat?: string;
  registryConfig?: string;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  horizontalPodAutoscalerSyncPeriod?: number;
  horizontalPodAutoscalerDownscaleStabilization?: number;
  horizontalPodAutoscalerTolerance?: string;
}

function toInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

function hpaFlags(opts: ServerFlags): ControllerManagerFlags['hpa'] {
  const tolerance = opts.horizontalPodAutoscalerTolerance === undefined ? undefined : Number(opts.horizontalPodAutoscalerTolerance);
  if (tolerance !== undefined && !(tolerance >= 0))
    throw new Error(`--horizontal-pod-autoscaler-tolerance: expected a number ≥ 0, got ${JSON.stringify(opts.horizontalPodAutoscalerTolerance)}`);
  return { syncPeriodMs: opts.horizontalPodAutoscalerSyncPeriod, downscaleStabilizationMs: opts.horizontalPodAutoscalerDownscaleStabilization, tolerance };
}

function parseAdvertiseAddress(v: string): string {
  if (isIPv4(v) && v !== '0.0.0.0') return v;
  throw new Error(`--advertise-address: ${JSON.stringify(v)} is not a non-wildcard IPv4 address`);
}

export function registerServerCommand(program: Command): void {
  addScaleOutFlags(program.command('server'))
    .description('run the API server and the cluster components')
    .option('--data-dir <dir>', 'where state, certificates and the kubeconfig live', defaultDataDir())
    .option('--listen <host:port>', 'address to serve the Kubernetes API on', '127.0.0.1:6443')
    .option(
      '--advertise-address <ip>',
      'address pods reach the API at through the kubernetes Service (default: the --listen host, or the first non-loopback IPv4 when it is a wildcard)',
      parseAdvertiseAddress,
    )
    .option('--min-request-timeout <seconds>', 'watches without timeoutSeconds end after this many seconds times (1 + random)', toInt, 1800)
    .option('--default-watch-cache-size <events>', 'recent events kept in memory for watchers resuming from a resourceVersion', toInt, 20000)
    .option('--event-ttl <duration>', 'how long Events are kept after their last write (0 keeps them)', parseDuration, 3_600_000)
    .option('--storage-compact-window <revisions>', 'revisions of history kept by compaction (older watches get 410 Gone)', toInt, 10000)
    .option('--storage-compact-interval <seconds>', 'how often storage compaction runs', toInt, 60)
    .option('--disable <components>', 'comma-separated components not to run (scheduler, controller-manager, agent)', '')
    .option('--node-name <name>', "name of the embedded agent's node (default: the host name)")
    .option('--control-plane-taint', "taint the embedded agent's node node-role.kubernetes.io/control-plane:NoSchedule")
    .option('--pod-cidr <cidr>', "pod subnet of the embedded agent's node (default: the first free 10.42.N.0/24)")
    .option(
      '--profile <name>',
      `node-failure timers: "default" (upstream: ${describeNodeTimers(NODE_TIMER_PROFILES.default!)}) or "fast" (${describeNodeTimers(NODE_TIMER_PROFILES.fast!)}); agents learn the lease timing from kube-system/kubelet-config`,
      'default',
    )
    .option('--node-monitor-grace-period <duration>', 'how long a node may miss lease renewals before it is marked Unknown (default 40s)', parseDuration)
    .option(
      '--default-not-ready-toleration-seconds <seconds>',
      'tolerationSeconds of the not-ready:NoExecute toleration added to every pod (default 300)',
      toInt,
    )
    .option(
      '--default-unreachable-toleration-seconds <seconds>',
      'tolerationSeconds of the unreachable:NoExecute toleration added to every pod (default 300)',
      toInt,
    )
    .option(
      '--node-lease-duration-seconds <seconds>',
      'node Lease duration published to every agent in kube-system/kubelet-config; agents renew every quarter of it (default 40)',
      toInt,
    )
    .option('--log-format <format>', 'text (human-readable; the default on a terminal) or json (the default otherwise)', logFormatFlag)
    .option('--registry-config <file>', 'k3s-style registries.yaml for the embedded agent (default: <data-dir>/agent/registries.yaml)')
    .option('--audit-log-path <file>', 'write audit.k8s.io/v1 Events as JSON lines here (needs --audit-policy-file)')
    .option('--audit-policy-file <file>', 'audit.k8s.io/v1 Policy deciding what is logged at which level')
    .option('--service-cluster-ip-range <cidr>', 'IPv4 CIDR Service ClusterIPs are allocated from', '10.43.0.0/16')
    .option('--service-node-port-range <range>', 'port range NodePort Services are allocated from', '30000-32767')
    .option('--horizontal-pod-autoscaler-sync-period <duration>', 'how often each HorizontalPodAutoscaler is reconciled (default 15s)', parseDuration)
    .option(
      '--horizontal-pod-autoscaler-downscale-stabilization <duration>',
      'scale-down stabilization window of HPAs whose behavior sets none (default 5m0s)',
      parseDuration,
    )
    .option('--horizontal-pod-autoscaler-tolerance <ratio>', 'usage/target ratio distance from 1.0 within which the HPA does not scale (default 0.1)')
    .action(async (opts: ServerFlags) => {
      const logger = createCliLogger({ format: opts.logFormat });
      const { host, port } = parseListen(opts.listen);
      const started = Date.now();
      const timers = resolveNodeTimers(opts.profile, {
        gracePeriodMs: opts.nodeMonitorGracePeriod,
        notReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds,
        unreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds,
        leaseDurationSeconds: opts.nodeLeaseDurationSeconds,
      });
      setDefaultTolerationSeconds({ notReady: timers.notReadyTolerationSeconds, unreachable: timers.unreachableTolerationSeconds });
      const disabled = new Set(
        opts.disable
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
      const components = defaultComponents({
        disabled,
        agent: {
          nodeName: opts.nodeName,
          controlPlaneTaint: opts.controlPlaneTaint,
          podCidr: opts.podCidr,
          serviceCidr: opts.serviceClusterIpRange,
          registryConfig: opts.registryConfig,
        },
      }).map((c) => (c.name === 'controller-manager' ? controllerManager({ nodeMonitorGracePeriodMs: timers.gracePeriodMs, hpa: hpaFlags(opts) }) : c));
      const etcd = etcdFromFlags(opts);
      const server = await startPeapodServer({
        dataDir: opts.dataDir,
        host,
        port,
        advertiseAddress: opts.advertiseAddress,
        minRequestTimeoutSeconds: opts.minRequestTimeout,
        watchCacheSize: opts.defaultWatchCacheSize,
        eventTtlMs: opts.eventTtl,
        compactWindow: opts.storageCompactWindow,
        compactIntervalMs: opts.storageCompactInterval * 1000,
        components: withLeaderElection(components, leaderElectionFromFlags(opts)),
        etcd,
        audit: opts.auditLogPath && opts.auditPolicyFile ? { logPath: opts.auditLogPath, policyFile: opts.auditPolicyFile } : undefined,
        nodeLeaseDurationSeconds: timers.leaseDurationSeconds,
        serviceClusterIpRange: opts.serviceClusterIpRange,
        serviceNodePortRange: opts.serviceNodePortRange,
        progress: (step) => process.stderr.write(`peapod: ${step}...\n`),
        log: componentLog(logger),
      });
      process.stdout.write(
        `peapod: API server listening on ${server.url} (ready in ${Date.now() - started} ms)\n` +
          `peapod: kubeconfig written to ${server.kubeconfigPath}\n` +
          `peapod: dashboard at ${server.url}${DASHBOARD_PATH} (sign in with the kubeconfig's token)\n` +
          `  export KUBECONFIG=${server.kubeconfigPath}\n` +
          `  kubectl get namespaces\n`,
      );
      const stop = async () => {
        process.stderr.write('peapod: shutting down\n');
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
