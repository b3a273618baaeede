// The node agent's composition root: registers the Node, keeps its Lease and status fresh, and
// feeds the pods bound to it (an informer on spec.nodeName) to the pod workers, which drive the
// container runtime. Used by `peapod agent` and embedded in `peapod server`.
//
//   start ─► lock data dir ─► runtime (+ sweep of a crashed run) ─► streaming endpoint (logs, exec)
//         ─► register Node (with the endpoint's port) ─► lease, status
//         ─► PodManager.start (adopt running containers) ─► pod informer ─► synced: remove orphans
//   abort ─► informer, timers and workers stop; containers keep running (the next start adopts them)
import { setMaxListeners } from 'node:events';
import { startLocalPathVolumes } from './local-path-volumes.ts';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigMap, Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { createEventRecorder, createInformer, isNotFound, resources, type Client, type Informer, type Logger } from '../client/index.ts';
import { ClientAgentApi } from './agent-api-client.ts';
import { acquireStateLock, releaseIfIdle } from './agent-lock.ts';
import { chooseNetwork, subnetConflict, type AgentNetworkConfig } from './agent-network.ts';
import { startAgentStreaming } from './agent-streaming.ts';
import { sweepStaleState } from './agent-sweep.ts';
import { HollowPodStorage, HollowRuntime } from './hollow/index.ts';
import { BUSYBOX_NAME, ImagePuller, ImageStore, loadRegistriesConfig, nodeImages, nodeStatusImages, startImageGc, type PodImages } from './images/index.ts';
import { NetworkPool, PodNetwork } from './network/index.ts';
import {
  buildNode,
  defaultNodeIp,
  followLeaseConfig,
  healthyPressure,
  leaseWriter,
  readMachineInfo,
  readPressure,
  registerNode,
  startLeaseRenewer,
  startNodeStatusReporter,
  type LeaseTiming,
} from './node/index.ts';
import { parseResolvConf } from './dns/forwarder.ts';
import { DiskPodStorage, PodManager, type ClusterDnsSettings, type NodeInfo, type PodStorage } from './pods/index.ts';
import {
  clusterDnsIp,
  CLUSTER_POD_CIDR,
  createServiceInformers,
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_SERVICE_CIDR,
  startNodeProxy,
  type NodeProxy,
  type ServiceInformers,
} from './proxy/index.ts';
import type { ProbeHandlers } from './probes/index.ts';
import { ConmonRuntime, type ContainerRuntime, type OciRuntimePreference } from './runtime/index.ts';
import { runtimeStatsProvider } from './metrics/index.ts';

// Three: pods a moment apart (a Deployment's usual replicas, or pod-startup's 1- and 2-container
// pods) each take a ready network, and the refill waits until they have started. With two, the
// second take emptied the pool, whose refill (the CNI plugins' processes) then ran beside that
// pod's container creation: 2-container pods started in 84-96 ms instead of ~71 (pod-startup).
const DEFAULT_NETWORK_POOL = 3;
const EVENT_DELAY_MS = 250;
/** Used when neither the Node nor a flag names the node's pod /24 (hollow runtime). */
export const DEFAULT_POD_CIDR = '10.42.0.0/24';

export type AgentLog = (msg: string, fields?: Record<string, unknown>) => void;

export interface AgentOptions {
  client: Client;
  nodeName: string;
  /** The agent's own state: runtime, images, pod volumes, network choice. One agent per dir. */
  dataDir: string;
  runtime: 'conmon' | 'hollow';
  ociRuntime?: OciRuntimePreference;
  /** The node's pod /24. Node.spec.podCIDR wins when the node already has one. */
  podCidr?: string;
  /** Bridge name; default `ppd<N>` after the subnet 10.42.<N>.0/24. */
  bridge?: string;
  /**
   * Pod networks (netns + CNI address) kept wired ahead so a new pod's sandbox is ready at once
   * (conmon runtime); default 3, 0 turns the pool off.
   */
  networkPoolSize?: number;
  /** Absolute cgroup under which pods go; default `/peapod/<node name>`. */
  cgroupParent?: string;
  labels?: Record<string, string>;
  /** Set when the Node is created (an admin's later changes are kept). */
  taints?: Taint[];
  /** InternalIP; default the host's first non-loopback IPv4. */
  nodeIp?: string;
  /**
   * Serve logs/exec/port-forward (src/agent/server) on the InternalIP to callers presenting
   * `token` (the API server proxies with it). Absent: no endpoint.
   */
  streaming?: { token: string; port?: number; tls?: { cert: string; key: string } };
  /**
   * Where the agent learns of the pods bound to it; default its own informer on
   * spec.nodeName=<node>. The hollow nodes of one process share one pod watch through this
   * (src/agent/hollow/shared-pods.ts); the view must hold exactly this node's pods.
   */
  podSource?: (nodeName: string) => Informer<Pod>;
  /**
   * Where pods' ConfigMaps are read; default a GET at each use (kubelet's Get strategy). The hollow
   * nodes of one process share one watch per ConfigMap (src/agent/hollow/shared-configmaps.ts).
   */
  configMapSource?: (namespace: string, name: string) => Promise<ConfigMap | undefined>;
  /** Replaces probe handler kinds; the hollow runtime defaults network probes to success (its pod IPs do not exist). */
  probeHandlers?: Partial<ProbeHandlers>;
  /** k3s-style registries.yaml (mirrors, credentials, TLS); default `<dataDir>/registries.yaml`, a missing file is no config. */
  registryConfig?: string;
  /**
   * Node Lease duration; default: the cluster's (kube-system/kubelet-config, which the server's
   * --profile sets), followed while the agent runs.
   */
  nodeLeaseDurationSeconds?: number;
  /** How often the node Lease is renewed; default a quarter of the lease duration, as kubelet. */
  leaseRenewIntervalMs?: number;
  /** A lease timing source shared by many agents of one process (hollow nodes: one watch for all). */
  leaseTiming?: () => LeaseTiming;
  /**
   * Services on this node (conmon runtime only): the nftables node proxy, the node-local DNS
   * server and pods' resolv.conf. Defaults: service CIDR 10.43.0.0/16, cluster DNS its 10th
   * address, domain cluster.local, cluster pod CIDR 10.42.0.0/16. `enabled: false` turns the
   * proxy and DNS server off (pods still get the cluster DNS in resolv.conf).
   */
  services?: ServiceNetworkOptions;
  signal: AbortSignal;
  log: AgentLog;
  /** Start-up steps worth showing a user (busybox image build...). */
  progress?: (step: string) => void;
}

export interface ServiceNetworkOptions {
  enabled?: boolean;
  /** The API server's --service-cluster-ip-range. */
  serviceCidr?: string;
  /** kubelet --cluster-dns. */
  clusterDns?: string;
  /** kubelet --cluster-domain. */
  clusterDomain?: string;
  /** kube-proxy --cluster-cidr: the whole cluster's pod CIDR. */
  clusterCidr?: string;
}

export interface Agent {
  readonly nodeName: string;
  readonly podCidr: string;
  /** Bridge and subnet (conmon runtime only). */
  readonly network?: AgentNetworkConfig;
  readonly runtime: ContainerRuntime;
  readonly images?: ImageStore;
  readonly manager: PodManager;
  /**
   * The node proxy (conmon runtime with services enabled and nft present), once its informers
   * synced; it starts in the background so an API without Services never holds up the node.
   */
  readonly proxy: Promise<NodeProxy | undefined>;
  /** Resolves once everything stopped after the signal aborted. */
  readonly stopped: Promise<void>;
}

/**
 * Starts the agent; resolves once the node is registered, the pod informer has synced and
 * orphans are being removed. Rejects (after undoing what it started) when the runtime, the data
 * dir or the API cannot be set up. Runs until `opts.signal` aborts.
 */
export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const { client, nodeName, log } = opts;
  const progress = opts.progress ?? (() => undefined);
  if (opts.signal.aborted) throw new Error('agent start aborted');
  const life = new AbortController();
  const signal = life.signal;
  // Every informer, watch and timer of the agent listens to this one signal.
  setMaxListeners(0, signal);
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const unlock = await acquireStateLock(join(opts.dataDir, 'agent.pid'));
  // Shutdown work runs synchronously inside the abort: `peapod server` exits right after aborting
  // its components and does not wait for them.
  const cleanups: (() => void)[] = [unlock];
  const shutdown = (): void => {
    life.abort();
    for (const c of cleanups.splice(0).reverse()) {
      try {
        c();
      } catch (e) {
        log('agent: shutdown step failed', { error: errText(e) });
      }
    }
  };
  opts.signal.addEventListener('abort', shutdown, { once: true });
  try {
    const machine = await readMachineInfo(opts.dataDir);
    const existing = await client.get<Node>(resources.nodes, undefined, nodeName).catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
    const nodeCidr = existing?.spec?.podCIDR || undefined;
    const rt =
      opts.runtime === 'conmon' ? await startConmon(opts, nodeCidr ?? opts.podCidr, progress) : hollowRuntime(nodeCidr ?? opts.podCidr ?? DEFAULT_POD_CIDR);
    const podCidr = rt.network?.subnet ?? nodeCidr ?? opts.podCidr ?? DEFAULT_POD_CIDR;
    if (rt.cleanup) cleanups.push(rt.cleanup);

    const logger = agentLogger(log);
    const informer = opts.podSource?.(nodeName) ?? createInformer<Pod>(client, resources.pods, { fieldSelector: `spec.nodeName=${nodeName}`, logger });
    const nodeIp = opts.nodeIp ?? defaultNodeIp();
    let agentPort: number | undefined;
    if (opts.streaming) {
      const streaming = await startAgentStreaming({
        dataDir: opts.dataDir,
        host: nodeIp,
        port: opts.streaming.port ?? 0,
        token: opts.streaming.token,
        runtime: rt.runtime,
        pods: informer.store,
        log,
        tls: opts.streaming.tls,
        stats: runtimeStatsProvider({ nodeName, runtime: rt.runtime, cgroupParent: rt.cgroupParent }),
      });
      cleanups.push(() => void streaming.close());
      agentPort = streaming.port;
    }
    const desired = buildNode(machine, {
      name: nodeName,
      ip: nodeIp,
      podCidr,
      labels: opts.labels,
      taints: opts.taints,
      runtimeVersion: rt.runtime.version(),
      agentPort,
    });
    let node = await registerNode(client, desired);
    log('agent: node registered', { node: nodeName, podCIDR: podCidr, runtime: rt.runtime.version(), bridge: rt.network?.bridge });
    const nodeInfo = (): NodeInfo => ({
      name: nodeName,
      ip: node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
      allocatable: node.status?.allocatable ?? {},
      apiServer: client.server,
      apiService: apiService(serviceInformers),
    });

    // Set once the node proxy programs Services, so pods get the `kubernetes` ClusterIP as their API address.
    let serviceInformers: ServiceInformers | undefined;
    // Per node, as the kubelet's defaults: --event-qps 50, --event-burst 100. Written a quarter of a
    // second late, so a new pod's Pulled/Created/Started events do not compete with its start-up
    // calls for the server's thread (see EventRecorderOptions.delayMs).
    const recorder = createEventRecorder(client, { component: 'kubelet', host: nodeName, logger, qps: 50, burst: 100, delayMs: EVENT_DELAY_MS });
    const api = new ClientAgentApi({ client, recorder, nodeInfo, configMaps: opts.configMapSource });
    const svcNet = serviceNetwork(opts.services);
    const dns = rt.network ? await clusterDnsSettings(svcNet) : undefined;
    const manager = new PodManager({
      runtime: rt.runtime,
      api,
      storage: rt.storage,
      log,
      dns,
      images: rt.podImages,
      traceStartup: opts.runtime === 'conmon',
      probes: { handlers: opts.probeHandlers ?? (opts.runtime === 'hollow' ? HOLLOW_PROBE_HANDLERS : undefined) },
    });

    const leaseTiming =
      opts.leaseTiming ??
      (await followLeaseConfig(
        {
          client,
          durationSeconds: opts.nodeLeaseDurationSeconds,
          renewIntervalMs: opts.leaseRenewIntervalMs,
          logger,
          onChange: (t) =>
            log('agent: node lease timing changed by the cluster config', { leaseDurationSeconds: t.durationSeconds, renewIntervalMs: t.renewIntervalMs }),
        },
        signal,
      ));
    startLeaseRenewer(
      {
        nodeName,
        put: leaseWriter(client),
        nodeUid: () => node.metadata?.uid,
        timing: leaseTiming,
        onError: (e) => log('agent: lease renewal failed', { error: errText(e) }),
      },
      signal,
    );
    if (rt.images) {
      const store = rt.images;
      const inUse = async (): Promise<Set<string>> => {
        const ids = new Set<string>();
        for (const c of await rt.runtime.listContainers()) {
          const image = await store.find(c.image);
          if (image) ids.add(image.id);
        }
        return ids;
      };
      startImageGc({ store, inUse, log }, signal);
    }
    startNodeStatusReporter(
      {
        client,
        node,
        readPressure: rt.images ? () => readPressure(opts.dataDir) : async () => healthyPressure(),
        readImages: rt.images ? async () => nodeStatusImages(await rt.images!.list()) : undefined,
        onPosted: (n) => (node = n),
        onError: (e) => log('agent: node status update failed', { error: errText(e) }),
      },
      signal,
    );

    if (opts.runtime === 'conmon') await startLocalPathVolumes({ client, nodeName, dataDir: opts.dataDir, signal, logger });
    await manager.start(signal);
    informer.on('add', (pod) => manager.onPodUpdate(pod));
    informer.on('update', (_old, pod) => manager.onPodUpdate(pod));
    informer.on('delete', (pod) => manager.onPodDelete(pod));
    const informerDone = informer.start(signal);
    await informer.waitForSync(signal);
    void manager.removeOrphans(informer.store.list().map((p) => p.metadata?.uid ?? '')).catch((e: unknown) => {
      log('agent: orphan cleanup failed', { error: errText(e) });
    });

    const proxy =
      rt.network && opts.services?.enabled !== false
        ? startServiceNetwork({ client, nodeName, logger, log, gateway: podGateway(rt.network.subnet), svcNet }, signal)
        : Promise.resolve(undefined);
    void proxy.then((p) => {
      if (p?.proxy) serviceInformers = p.informers;
    });

    const stopped = (async () => {
      if (!signal.aborted) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      await informerDone;
      await (await proxy)?.informersDone;
      await recorder.flush().catch(() => undefined);
    })();
    return { nodeName, podCidr, network: rt.network, runtime: rt.runtime, images: rt.images, manager, proxy: proxy.then((p) => p?.proxy), stopped };
  } catch (e) {
    opts.signal.removeEventListener('abort', shutdown);
    shutdown();
    throw e;
  }
}

interface RuntimeParts {
  runtime: ContainerRuntime;
  storage: PodStorage;
  images?: ImageStore;
  podImages?: PodImages;
  network?: AgentNetworkConfig;
  /** Where the runtime puts pod cgroups (conmon); the metrics read usage there. */
  cgroupParent?: string;
  /** At shutdown (synchronous): removes the bridge and cgroup parent when no pod uses them. */
  cleanup?: () => void;
}

/** Hollow pod IPs do not exist: network probes pass without sending traffic (exec goes to the hollow runtime). */
const passing = async (): Promise<{ result: 'success'; output: string }> => ({ result: 'success', output: '' });
const HOLLOW_PROBE_HANDLERS: Partial<ProbeHandlers> = { httpGet: passing, tcpSocket: passing, grpc: passing };

function hollowRuntime(podCidr: string): RuntimeParts {
  return { runtime: new HollowRuntime({ podCidr }), storage: new HollowPodStorage() };
}

async function startConmon(opts: AgentOptions, podCidr: string | undefined, progress: (step: string) => void): Promise<RuntimeParts> {
  const dir = opts.dataDir;
  const net = await chooseNetwork({ statePath: join(dir, 'network.json'), podCidr, bridge: opts.bridge });
  const conflict = await subnetConflict(net);
  if (conflict) opts.log(`agent: ${conflict}; pods on this node may be unreachable from the host`, { bridge: net.bridge });
  const images = new ImageStore({ dataDir: join(dir, 'images') });
  if (!(await images.find(`${BUSYBOX_NAME}:latest`))) {
    progress('building the busybox image from /bin/busybox');
    const img = await images.ensureBusyboxImage();
    progress(`busybox image ready (${img.id.slice(7, 19)}, ${(img.size / 1e6).toFixed(1)} MB)`);
  }
  const network = new PodNetwork({ stateDir: join(dir, 'net'), bridge: net.bridge, subnet: net.subnet });
  const pool = new NetworkPool({ network, size: opts.networkPoolSize ?? DEFAULT_NETWORK_POOL, log: opts.log });
  const runtimeRoot = join(dir, 'rt');
  const cgroupParent = opts.cgroupParent ?? `/peapod/${opts.nodeName}`;
  const runtime = await ConmonRuntime.create({ root: runtimeRoot, images, network, pool, ociRuntime: opts.ociRuntime, cgroupParent });
  await sweepStaleState({ stateDir: dir, runtimeRoot, runtime, network, imageTmpDir: join(dir, 'images', 'tmp'), log: opts.log });
  pool.fill();
  const cleanup = (): void => {
    pool.closeSync();
    releaseIfIdle({ podsDir: join(runtimeRoot, 'pods'), netDir: join(dir, 'net'), bridge: net.bridge, cgroupParent });
  };
  const registryConfig = opts.registryConfig ?? join(dir, 'registries.yaml');
  const puller = new ImagePuller({ store: images, registries: () => loadRegistriesConfig(registryConfig), log: opts.log });
  const podImages = nodeImages({ store: images, puller, log: opts.log });
  return { runtime, storage: new DiskPodStorage(join(dir, 'pods')), images, podImages, network: net, cgroupParent, cleanup };
}

type ResolvedServiceNetwork = Required<Omit<ServiceNetworkOptions, 'enabled'>>;

function serviceNetwork(o: ServiceNetworkOptions = {}): ResolvedServiceNetwork {
  const serviceCidr = o.serviceCidr ?? DEFAULT_SERVICE_CIDR;
  return {
    serviceCidr,
    clusterDns: o.clusterDns ?? clusterDnsIp(serviceCidr),
    clusterDomain: o.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    clusterCidr: o.clusterCidr ?? CLUSTER_POD_CIDR,
  };
}

async function clusterDnsSettings(svc: ResolvedServiceNetwork): Promise<ClusterDnsSettings> {
  const host = parseResolvConf(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
  return { servers: [svc.clusterDns], domain: svc.clusterDomain, host };
}

/** The `default/kubernetes` Service's ClusterIP and https port from the proxy's informer cache. */
function apiService(informers: ServiceInformers | undefined): NodeInfo['apiService'] {
  const svc = informers?.services.store.get('default/kubernetes');
  const ip = svc?.spec?.clusterIP;
  const port = svc?.spec?.ports?.find((p) => p.name === 'https')?.port ?? svc?.spec?.ports?.[0]?.port;
  return ip && ip !== 'None' && port ? { host: ip, port } : undefined;
}

function podGateway(subnet: string): string {
  return subnet.replace(/\.\d+\/\d+$/, '.1');
}

interface ServiceNetworkStart {
  client: Client;
  nodeName: string;
  logger: Logger;
  log: AgentLog;
  gateway: string;
  svcNet: ResolvedServiceNetwork;
}

/**
 * Services and EndpointSlices informers, then the node proxy and DNS server once both synced (so
 * the first table is complete). Never fails the agent: without nft, or on an error, it logs why.
 */
async function startServiceNetwork(
  o: ServiceNetworkStart,
  signal: AbortSignal,
): Promise<{ proxy?: NodeProxy; informers: ServiceInformers; informersDone: Promise<unknown> } | undefined> {
  if (spawnSync('nft', ['--version'], { stdio: 'ignore' }).status !== 0) {
    o.log('agent: node proxy not started: nft (Debian package nftables) not found; Services are not reachable from this node');
    return undefined;
  }
  const informers = createServiceInformers(o.client, { logger: o.logger });
  const informersDone = Promise.all([informers.services.start(signal), informers.slices.start(signal)]);
  try {
    await Promise.all([informers.services.waitForSync(signal), informers.slices.waitForSync(signal)]);
    const proxy = await startNodeProxy(
      {
        nodeName: o.nodeName,
        informers,
        clusterCidr: o.svcNet.clusterCidr,
        serviceCidr: o.svcNet.serviceCidr,
        clusterDns: o.svcNet.clusterDns,
        clusterDomain: o.svcNet.clusterDomain,
        podGateway: o.gateway,
        log: o.log,
      },
      signal,
    );
    // The proxy removes its table and route itself when `signal` aborts (synchronously, inside the agent's shutdown).
    o.log('agent: node proxy started', { table: proxy.table, dnsPort: proxy.dns?.port, serviceCidr: o.svcNet.serviceCidr, clusterDns: o.svcNet.clusterDns });
    return { proxy, informers, informersDone };
  } catch (e) {
    if (!signal.aborted) o.log('agent: node proxy not started', { error: errText(e) });
    return { informers, informersDone };
  }
}

function agentLogger(log: AgentLog): Logger {
  return { info: (m) => log(m), warn: (m) => log(m), error: (m) => log(m) };
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
