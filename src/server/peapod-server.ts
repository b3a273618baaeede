// The composition root of `peapod server`: storage, PKI and credentials in the data dir, the API
// server, and (as later issues add them) the scheduler, controllers and an embedded node agent.
// Components talk to the API server only over HTTPS with their own client.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { AuditLog } from '../apiserver/audit/audit-log.ts';
import { parsePolicy } from '../apiserver/audit/policy.ts';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { type EtcdStorageConfig, openServerBackend } from './open-backend.ts';
import type { Backend } from '../storage/index.ts';
import { startApiServer, type ApiServer } from '../apiserver/server.ts';
import { DEFAULT_EVENT_TTL_MS } from '../apiserver/event-ttl.ts';
import { builtinResources } from '../apiserver/registry/index.ts';
import { ensurePki } from '../util/tls/index.ts';
import {
  ADMIN_USER,
  BOOTSTRAP_USER,
  NODE_CREDENTIALS_PATH,
  ServiceAccountTokens,
  boundObjectCheck,
  createAuthenticator,
  ensureAdminToken,
  ensureNodeToken,
  nodeCredentialsHandler,
  TokenAuthenticator,
  writeKubeconfig,
} from '../apiserver/auth/index.ts';
import { ApiError } from '../apiserver/errors.ts';
import { MASTERS_GROUP } from '../apiserver/authz/index.ts';
import { createClient, createSharedInformers, type ClientOptions, type SharedInformers } from '../client/index.ts';
import { createStreamingHandlers } from '../apiserver/handlers/streaming/index.ts';
import { metricsApi } from '../apiserver/metrics-api/index.ts';
import type { Component } from './component.ts';
import { ensureBootstrapPolicy, ensureDefaultStorageClass, ensureSystemPriorityClasses, publishKubeletConfig } from './bootstrap.ts';
import { storageAdmission } from '../apiserver/storage-admission.ts';
import { DEFAULT_NODE_LEASE_DURATION_SECONDS } from '../api/index.ts';
import { priorityAdmission } from '../apiserver/priority-admission.ts';
import { loadDashboard } from '../dashboard/index.ts';
import {
  advertiseAddress,
  DEFAULT_NODE_PORT_RANGE,
  DEFAULT_SERVICE_CIDR,
  ensureSystemServices,
  KUBERNETES_SERVICE_NAMES,
  nthAddress,
  parseIpRange,
  parsePortRange,
  ServiceAllocator,
} from '../apiserver/services/index.ts';

export interface PeapodServerOptions {
  readonly dataDir: string;
  readonly host?: string;
  readonly port?: number;
  /**
   * Upstream --advertise-address: the address pods reach the API at through the `kubernetes`
   * Service (its Endpoints). Default: `host`, or the first non-loopback IPv4 when `host` is a
   * wildcard. The server must be reachable there (listen on it or on a wildcard).
   */
  readonly advertiseAddress?: string;
  /** Reports start-up steps (the CLI prints them). */
  readonly progress?: (step: string) => void;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Storage compaction: keep this many revisions of history (default 10,000). */
  readonly compactWindow?: number;
  readonly compactIntervalMs?: number;
  /** Store state in this etcd cluster instead of `<dataDir>/state.db`. */
  readonly etcd?: EtcdStorageConfig;
  readonly watchCacheSize?: number;
  /** Upstream --event-ttl (default 1h; 0 keeps Events forever). */
  readonly eventTtlMs?: number;
  readonly minRequestTimeoutSeconds?: number;
  /** Audit log file and policy (kube-apiserver --audit-log-path / --audit-policy-file). */
  readonly audit?: { readonly logPath: string; readonly policyFile: string };
  /** Started in order once the API serves (scheduler, controllers, embedded agent...). */
  readonly components?: readonly Component[];
  /** Published to every agent in kube-system/kubelet-config (default 40, kubelet's). */
  readonly nodeLeaseDurationSeconds?: number;
  /** Upstream --service-cluster-ip-range (default 10.43.0.0/16). */
  readonly serviceClusterIpRange?: string;
  /** Upstream --service-node-port-range (default 30000-32767). */
  readonly serviceNodePortRange?: string;
}

export interface PeapodServer {
  readonly api: ApiServer;
  readonly url: string;
  readonly kubeconfigPath: string;
  readonly token: string;
  /** The join token agents present (`<data-dir>/node-token`). */
  readonly nodeToken: string;
  readonly caPem: string;
  readonly backend: Backend;
  close(): Promise<void>;
}

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function startPeapodServer(options: PeapodServerOptions): Promise<PeapodServer> {
  const progress = options.progress ?? (() => {});
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const host = options.host ?? '127.0.0.1';
  const advertise = options.advertiseAddress ?? advertiseAddress(host);
  const serviceRange = parseIpRange(options.serviceClusterIpRange ?? DEFAULT_SERVICE_CIDR);
  // In-cluster clients verify the API at the `kubernetes` Service's ClusterIP (or its DNS names)
  // and at the advertised endpoint with the mounted ca.crt, so the serving certificate names them
  // all, as kube-apiserver's does. A first start creates them in a child process, which runs
  // while storage opens.
  const pkiReady = ensurePki(join(options.dataDir, 'pki'), { hosts: [host, advertise, nthAddress(serviceRange, 1), ...KUBERNETES_SERVICE_NAMES] });
  pkiReady.catch(() => {}); // awaited below; a failure while storage opens must not go unhandled
  progress('opening storage');
  const backend = await openServerBackend(options.dataDir, options);
  progress('loading certificates');
  const pki = await pkiReady;
  const token = await ensureAdminToken(options.dataDir);
  const nodeToken = await ensureNodeToken(options.dataDir);
  const auth = new TokenAuthenticator();
  auth.addToken(token, ADMIN_USER);
  auth.addToken(nodeToken, BOOTSTRAP_USER);
  const serviceAccountTokens = await ServiceAccountTokens.open(join(options.dataDir, 'pki'));
  const audit = options.audit ? new AuditLog(options.audit.logPath, parsePolicy(await readFile(options.audit.policyFile, 'utf8'))) : undefined;
  const serviceAllocator = new ServiceAllocator(backend, {
    ipRange: serviceRange,
    portRange: parsePortRange(options.serviceNodePortRange ?? DEFAULT_NODE_PORT_RANGE),
  });
  progress('starting API server');
  // pods/log, exec, attach, portforward and proxy reach the node agents with the join token, the
  // secret every agent and the server share.
  const streaming = createStreamingHandlers({ auth: { token: nodeToken }, log: options.log });
  // metrics.k8s.io, computed from the agents' stats, which the API server reads with the join token too.
  const metrics = metricsApi({ auth: { token: nodeToken }, log: options.log });
  // The server's own clients (scheduler, controllers, embedded agent) reach it on a Unix socket in
  // the data dir: the same HTTP API without TLS. TLS state on both ends of their ~70 connections
  // (a socket per watch) was ~6 MB of an idle server. A data dir whose path is too long for a
  // socket address keeps them on HTTPS.
  const socketFile = join(options.dataDir, 'apiserver.sock');
  const localSocket = Buffer.byteLength(socketFile) < MAX_SOCKET_PATH ? socketFile : undefined;
  let api: ApiServer | undefined;
  api = await startApiServer({
    backend,
    resources: [...builtinResources, ...metrics.entries],
    resourceHandlers: metrics.handlers,
    tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert },
    authenticate: (h) => auth.authenticate(h),
    authenticateRequest: createAuthenticator({ tokens: auth, serviceAccounts: { tokens: serviceAccountTokens, bound: boundObjectCheck(() => api?.ctx) } }),
    authorization: true,
    audit,
    serviceAccountTokens,
    nonResourceHandlers: new Map([[NODE_CREDENTIALS_PATH, nodeCredentialsHandler({ cert: pki.caCert, key: pki.caKey })]]),
    host,
    port: options.port ?? 6443,
    localSocket,
    log: options.log,
    watchCacheSize: options.watchCacheSize,
    eventTtlMs: options.eventTtlMs ?? DEFAULT_EVENT_TTL_MS,
    minRequestTimeoutSeconds: options.minRequestTimeoutSeconds,
    upgrade: streaming.upgrade,
    subresources: streaming.subresources,
    dashboard: loadDashboard(),
    storeHooks: new Map([['/services', serviceAllocator.hooks()]]),
    extraAdmission: [
      priorityAdmission(() => api?.ctx.admissionReads),
      storageAdmission(() => api?.ctx.byGroupResource('storage.k8s.io', 'storageclasses')?.store),
    ],
  });
  await ensureNamespaces(api);
  await ensureSystemPriorityClasses(api);
  await ensureBootstrapPolicy(api);
  await ensureDefaultStorageClass(api);
  await publishKubeletConfig(api, options.nodeLeaseDurationSeconds ?? DEFAULT_NODE_LEASE_DURATION_SECONDS);
  // Service writes wait until the allocator knows every IP and port the stored Services hold.
  const services = api.ctx.byGroupResource('', 'services');
  await serviceAllocator.rebuild(async () => (services ? (await services.store.list(undefined)).items : []));
  await ensureSystemServices(api.ctx, { range: serviceAllocator.ipRange, address: advertise, port: api.port, log: options.log });
  const kubeconfigPath = join(options.dataDir, 'kubeconfig.yaml');
  await writeKubeconfig(kubeconfigPath, { server: api.url, caPem: pki.caCert, token });
  const abort = new AbortController();
  // Every informer, watch and timer of every component listens to this one signal.
  setMaxListeners(0, abort.signal);
  const url = api.url;
  /**
   * Clients acting as `identity` with a bearer token made for it here, as upstream's loopback
   * client: 256 random bits, held only in this process's memory and valid until it exits. (A
   * client certificate signed at every start loaded the X.509 library: ~7 MB of a restarted idle
   * server's RSS.)
   */
  const clientsAs = (identity: { readonly user: string; readonly groups: readonly string[] }, extra: Partial<ClientOptions> = {}) => {
    const loopbackToken = randomBytes(32).toString('base64url');
    auth.addToken(loopbackToken, { name: identity.user, groups: [...identity.groups] });
    const where = localSocket ? { server: 'http://localhost', socketPath: localSocket } : { server: url, ca: pki.caCert };
    return (userAgent: string) => createClient({ ...where, token: loopbackToken, userAgent, ...extra });
  };
  const log = options.log ?? (() => {});
  let informers: SharedInformers | undefined;
  for (const component of options.components ?? []) {
    progress(`starting ${component.name}`);
    // The components' shared informers (made with the first: a server without components needs no
    // loopback credentials) list and watch as the server's loopback identity (upstream's
    // system:apiserver, in system:masters); every write a component makes goes through its own client.
    // Their watches come straight from the watch cache, with its shared objects: one decoded copy
    // of every pod in the server, not one more per informer, and no encode / socket / parse per event.
    informers ??= createSharedInformers(clientsAs(LOOPBACK_IDENTITY, { inProcessWatch: api.watchInProcess })('peapod-shared-informers'), {
      signal: abort.signal,
      logger: { info: (m) => log(m), warn: (m) => log(m, { level: 'warn' }), error: (m) => log(m, { level: 'error' }) },
    });
    // Each component acts as its upstream identity (system:kube-scheduler, system:node:<name>...);
    // none gets the admin token.
    const newClient = clientsAs(component.identity ?? { user: `system:peapod:${component.name}`, groups: [] });
    await component.start({
      client: newClient(`peapod-${component.name}`),
      newClient,
      informers,
      signal: abort.signal,
      dataDir: options.dataDir,
      server: { url, caPem: pki.caCert, token: nodeToken },
      log,
    });
  }
  progress('ready');
  return {
    api,
    url: api.url,
    kubeconfigPath,
    token,
    nodeToken,
    caPem: pki.caCert,
    backend,
    async close() {
      abort.abort();
      const stopped = (options.components ?? []).map((c) => c.stopped?.());
      await Promise.race([Promise.all(stopped), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      streaming.close();
      serviceAllocator.close();
      await api!.close();
      await audit?.close();
      await backend.close();
    },
  };
}

/** sockaddr_un's sun_path is 108 bytes on Linux, its terminating NUL included. */
const MAX_SOCKET_PATH = 108;

/** The identity the server's own calls to itself use (upstream's loopback client). */
const LOOPBACK_IDENTITY = { user: 'system:apiserver', groups: [MASTERS_GROUP] };

async function ensureNamespaces(api: ApiServer): Promise<void> {
  const ns = api.ctx.byGroupResource('', 'namespaces');
  if (!ns) return;
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await ns.store.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
  }
}
