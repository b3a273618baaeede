// The composition root of `peapod server`: storage, PKI and credentials in the data dir, the API
// server, and (as later issues add them) the scheduler, controllers and an embedded node agent.
// Components talk to the API server only over HTTPS with their own client.
import { mkdir } from 'node:fs/promises';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { type EtcdStorageConfig, openServerBackend } from './open-backend.ts';
import type { Backend } from '../storage/index.ts';
import { startApiServer, type ApiServer } from '../apiserver/server.ts';
import { builtinResources } from '../apiserver/registry/index.ts';
import { ensurePki } from '../apiserver/tls/index.ts';
import { ADMIN_USER, ensureAdminToken, TokenAuthenticator, writeKubeconfig } from '../apiserver/auth/index.ts';
import { ApiError } from '../apiserver/errors.ts';
import { createClient } from '../client/index.ts';
import { createStreamingHandlers } from '../apiserver/handlers/streaming/index.ts';
import type { Component } from './component.ts';
import { ensureSystemPriorityClasses } from './bootstrap.ts';
import { priorityAdmission } from '../apiserver/priority-admission.ts';
import {
  advertiseAddress,
  DEFAULT_NODE_PORT_RANGE,
  DEFAULT_SERVICE_CIDR,
  ensureSystemServices,
  parseIpRange,
  parsePortRange,
  ServiceAllocator,
} from '../apiserver/services/index.ts';

export interface PeapodServerOptions {
  readonly dataDir: string;
  readonly host?: string;
  readonly port?: number;
  /** Reports start-up steps (the CLI prints them). */
  readonly progress?: (step: string) => void;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Storage compaction: keep this many revisions of history (default 10,000). */
  readonly compactWindow?: number;
  readonly compactIntervalMs?: number;
  /** Store state in this etcd cluster instead of `<dataDir>/state.db`. */
  readonly etcd?: EtcdStorageConfig;
  readonly watchCacheSize?: number;
  readonly minRequestTimeoutSeconds?: number;
  /** Started in order once the API serves (scheduler, controllers, embedded agent...). */
  readonly components?: readonly Component[];
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
  readonly caPem: string;
  readonly backend: Backend;
  close(): Promise<void>;
}

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function startPeapodServer(options: PeapodServerOptions): Promise<PeapodServer> {
  const progress = options.progress ?? (() => {});
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  progress('opening storage');
  const backend = await openServerBackend(options.dataDir, options);
  progress('loading certificates');
  const host = options.host ?? '127.0.0.1';
  const pki = await ensurePki(join(options.dataDir, 'pki'), { hosts: [host] });
  const token = await ensureAdminToken(options.dataDir);
  const auth = new TokenAuthenticator();
  auth.addToken(token, ADMIN_USER);
  const serviceAllocator = new ServiceAllocator(
    parseIpRange(options.serviceClusterIpRange ?? DEFAULT_SERVICE_CIDR),
    parsePortRange(options.serviceNodePortRange ?? DEFAULT_NODE_PORT_RANGE),
  );
  progress('starting API server');
  // pods/log, exec, attach, portforward and proxy reach the node agents with the admin token.
  const streaming = createStreamingHandlers({ auth: { token }, log: options.log });
  const api = await startApiServer({
    backend,
    resources: builtinResources,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticate: (h) => auth.authenticate(h),
    host,
    port: options.port ?? 6443,
    log: options.log,
    watchCacheSize: options.watchCacheSize,
    minRequestTimeoutSeconds: options.minRequestTimeoutSeconds,
    upgrade: streaming.upgrade,
    subresources: streaming.subresources,
    storeHooks: new Map([['/services', serviceAllocator.hooks()]]),
    extraAdmission: [priorityAdmission(() => api?.ctx.byGroupResource('scheduling.k8s.io', 'priorityclasses')?.store)],
  });
  await ensureNamespaces(api);
  await ensureSystemPriorityClasses(api);
  // Service writes wait until the allocator knows every IP and port the stored Services hold.
  const services = api.ctx.byGroupResource('', 'services');
  serviceAllocator.rebuild(services ? (await services.store.list(undefined)).items : []);
  await ensureSystemServices(api.ctx, { range: serviceAllocator.ipRange, address: advertiseAddress(host), port: api.port, log: options.log });
  const kubeconfigPath = join(options.dataDir, 'kubeconfig.yaml');
  await writeKubeconfig(kubeconfigPath, { server: api.url, caPem: pki.caCert, token });
  const abort = new AbortController();
  // Every informer, watch and timer of every component listens to this one signal.
  setMaxListeners(0, abort.signal);
  const newClient = (userAgent: string) => createClient({ server: api.url, token, ca: pki.caCert, userAgent });
  for (const component of options.components ?? []) {
    progress(`starting ${component.name}`);
    await component.start({
      client: newClient(`peapod-${component.name}`),
      newClient,
      signal: abort.signal,
      dataDir: options.dataDir,
      server: { url: api.url, caPem: pki.caCert, token },
      log: options.log ?? (() => {}),
    });
  }
  progress('ready');
  return {
    api,
    url: api.url,
    kubeconfigPath,
    token,
    caPem: pki.caCert,
    backend,
    async close() {
      abort.abort();
      const stopped = (options.components ?? []).map((c) => c.stopped?.());
      await Promise.race([Promise.all(stopped), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      streaming.close();
      await api.close();
      await backend.close();
    },
  };
}

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
