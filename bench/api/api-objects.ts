// The objects and requests the API benchmark sends: small but realistic pods (one container with
// resource requests), as a controller or kubectl would create them.

export const NAMESPACE = 'bench';
export const WATCH_NAMESPACE = 'bench-watch';

export function podManifest(name: string, namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'bench', tier: 'api-bench' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.k8s.io/pause:3.10',
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
        },
      ],
    },
  };
}

export const podsPath = (namespace: string): string => `/api/v1/namespaces/${namespace}/pods`;
export const podPath = (namespace: string, name: string): string => `${podsPath(namespace)}/${name}`;

/** What `kubectl label`/`annotate` send: a strategic merge patch of metadata. */
export function labelPatch(i: number): Record<string, unknown> {
  return { metadata: { labels: { 'bench-patched': String(i) }, annotations: { 'bench/step': String(i) } } };
}
export const STRATEGIC_MERGE = 'application/strategic-merge-patch+json';
