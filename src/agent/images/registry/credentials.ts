import type { Secret } from 'kubernetes-types/core/v1.js';
import type { RegistryCredential } from './auth.ts';

/** Registry host → credential, from image pull secrets (first secret listing a host wins, as kubelet tries them in order). */
export type Keyring = Map<string, RegistryCredential>;

export const DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
export const DOCKER_CFG = 'kubernetes.io/dockercfg';

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** `https://index.docker.io/v1/`, `registry.example.com:5000/v2` → the registry host as image references name it. */
export function normaliseRegistryKey(key: string): string {
  let host = key.replace(/^[a-z]+:\/\//, '').split('/')[0] ?? '';
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') host = 'docker.io';
  return host;
}

/** Reads `.dockerconfigjson` / `.dockercfg` secrets; secrets of other types and unreadable ones are skipped. */
export function keyringFromSecrets(secrets: readonly Secret[]): Keyring {
  const ring: Keyring = new Map();
  for (const s of secrets) {
    const field = s.type === DOCKER_CONFIG_JSON ? '.dockerconfigjson' : s.type === DOCKER_CFG ? '.dockercfg' : undefined;
    const data = field ? s.data?.[field] : undefined;
    if (!data) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown;
    } catch {
      continue;
    }
    const auths = field === '.dockerconfigjson' ? rec(rec(doc).auths) : rec(doc);
    for (const [key, entry] of Object.entries(auths)) {
      const host = normaliseRegistryKey(key);
      if (!host || ring.has(host)) continue;
      const e = rec(entry);
      let username = typeof e.username === 'string' ? e.username : undefined;
      let password = typeof e.password === 'string' ? e.password : undefined;
      if (typeof e.auth === 'string' && e.auth !== '') {
        const [u, ...p] = Buffer.from(e.auth, 'base64').toString('utf8').split(':');
        username ??= u;
        password ??= p.join(':');
      }
      const identityToken = typeof e.identitytoken === 'string' ? e.identitytoken : undefined;
      if (username || identityToken) ring.set(host, { username, password, identityToken });
    }
  }
  return ring;
}
