// Writes a kubeconfig that kubectl and client-go accept as is.

import { stringify } from 'yaml';
import { writeFileAtomic } from '../../util/tls/index.ts';

export interface KubeconfigOptions {
  /** API server URL; default https://127.0.0.1:6443. */
  server?: string;
  /** PEM of the CA that signed the serving certificate (embedded as certificate-authority-data). */
  caPem: string;
  /** Bearer token; or a client certificate and key (PEM) below. */
  token?: string;
  clientCert?: string;
  clientKey?: string;
  clusterName?: string;
  user?: string;
  context?: string;
  /** Default namespace of the context; omitted when unset (kubectl then uses "default"). */
  namespace?: string;
}

const DEFAULTS = { server: 'https://127.0.0.1:6443', clusterName: 'peapod', user: 'admin', context: 'peapod' };

/** The kubeconfig document (a v1 Config) for these options. */
export function kubeconfigYaml(options: KubeconfigOptions): string {
  const o = { ...DEFAULTS, ...options };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: o.clusterName,
        cluster: { server: o.server, 'certificate-authority-data': Buffer.from(o.caPem).toString('base64') },
      },
    ],
    users: [{ name: o.user, user: credentials(o) }],
    contexts: [
      {
        name: o.context,
        context: { cluster: o.clusterName, user: o.user, ...(o.namespace ? { namespace: o.namespace } : {}) },
      },
    ],
    'current-context': o.context,
    preferences: {},
  });
}

function credentials(o: KubeconfigOptions): Record<string, string> {
  if (o.clientCert && o.clientKey) {
    return { 'client-certificate-data': Buffer.from(o.clientCert).toString('base64'), 'client-key-data': Buffer.from(o.clientKey).toString('base64') };
  }
  return { token: o.token ?? '' };
}

/** Writes the kubeconfig to `path` atomically with mode 0600 (it holds a credential). */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  await writeFileAtomic(path, kubeconfigYaml(options), { mode: 0o600 });
}
