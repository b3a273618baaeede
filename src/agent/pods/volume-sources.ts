import type { ConfigMap, DownwardAPIVolumeFile, KeyToPath, Pod, Secret, Volume, VolumeProjection } from 'kubernetes-types/core/v1.js';
import { unsupportedVolumeSource, type VolumeFile } from '../volumes/index.ts';
import { fieldRefValue, resourceFieldValue, secretData } from './env.ts';
import { ContainerStartError } from './errors.ts';
import type { VolumeContext } from './pod-storage.ts';
import { VolumeError } from './pod-storage.ts';

/**
 * The files of a configMap, secret, downwardAPI or projected volume, with their modes; undefined
 * for an optional source that does not exist. Pure apart from the API lookups.
 */
export async function projectedFiles(pod: Pod, vol: Volume, ctx: VolumeContext): Promise<{ files: VolumeFile[]; defaultMode?: number }> {
  const ns = pod.metadata?.namespace ?? 'default';
  if (vol.configMap) {
    const files = await configMapFiles(ns, vol.name, vol.configMap, ctx);
    return { files, defaultMode: vol.configMap.defaultMode };
  }
  if (vol.secret) {
    const files = await secretFiles(ns, vol.name, { name: vol.secret.secretName, items: vol.secret.items, optional: vol.secret.optional }, ctx);
    return { files, defaultMode: vol.secret.defaultMode };
  }
  if (vol.downwardAPI) return { files: downwardFiles(pod, vol.name, vol.downwardAPI.items ?? [], ctx), defaultMode: vol.downwardAPI.defaultMode };
  if (vol.projected) {
    // The sources are fetched side by side (a pod's kube-api-access volume is a TokenRequest and a
    // ConfigMap read: one round trip on its start-up path instead of two); files keep their order.
    const parts = await Promise.all((vol.projected.sources ?? []).map((src) => projectedSourceFiles(pod, ns, vol.name, src, ctx)));
    return { files: parts.flat(), defaultMode: vol.projected.defaultMode };
  }
  throw new VolumeError(vol.name, 'unsupported volume type');
}

async function projectedSourceFiles(pod: Pod, ns: string, vol: string, src: VolumeProjection, ctx: VolumeContext): Promise<VolumeFile[]> {
  if (src.configMap) return configMapFiles(ns, vol, src.configMap, ctx);
  if (src.secret) return secretFiles(ns, vol, src.secret, ctx);
  if (src.downwardAPI) return downwardFiles(pod, vol, src.downwardAPI.items ?? [], ctx);
  if (src.serviceAccountToken && ctx.api.serviceAccountToken) {
    const { audience, expirationSeconds, path } = src.serviceAccountToken;
    let token: string;
    try {
      token = await ctx.api.serviceAccountToken(pod, { audience, expirationSeconds: expirationSeconds ?? 3600 });
    } catch (e) {
      throw new VolumeError(vol, `failed to fetch token: ${e instanceof Error ? e.message : String(e)}`);
    }
    return [{ path, content: Buffer.from(token) }];
  }
  // Other sources never get here: assertVolumesSupported refused the pod's volumes first.
  return [];
}

interface Ref {
  name?: string;
  items?: KeyToPath[];
  optional?: boolean;
}

async function configMapFiles(ns: string, vol: string, ref: Ref, ctx: VolumeContext): Promise<VolumeFile[]> {
  const cm: ConfigMap | undefined = await ctx.api.getConfigMap(ns, ref.name ?? '');
  if (!cm) {
    if (ref.optional) return [];
    throw new VolumeError(vol, `configmap "${ref.name ?? ''}" not found`);
  }
  const data: Record<string, string | Uint8Array> = { ...cm.data };
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) data[k] = Buffer.from(v, 'base64');
  return pick(vol, data, ref, `configmap references non-existent config key`);
}

async function secretFiles(ns: string, vol: string, ref: Ref, ctx: VolumeContext): Promise<VolumeFile[]> {
  const s: Secret | undefined = await ctx.api.getSecret(ns, ref.name ?? '');
  if (!s) {
    if (ref.optional) return [];
    throw new VolumeError(vol, `secret "${ref.name ?? ''}" not found`);
  }
  return pick(vol, secretData(s), ref, `references non-existent secret key`);
}

function pick(vol: string, data: Record<string, string | Uint8Array>, ref: Ref, missing: string): VolumeFile[] {
  if (!ref.items?.length) return Object.entries(data).map(([path, content]) => ({ path, content }));
  const out: VolumeFile[] = [];
  for (const item of ref.items) {
    const content = data[item.key];
    if (content === undefined) {
      if (ref.optional) continue;
      throw new VolumeError(vol, `${missing}: ${item.key}`);
    }
    out.push({ path: item.path, content, mode: item.mode });
  }
  return out;
}

function downwardFiles(pod: Pod, vol: string, items: DownwardAPIVolumeFile[], ctx: VolumeContext): VolumeFile[] {
  return items.map((item) => {
    try {
      let content = '';
      if (item.fieldRef) content = fieldRefValue(pod, item.fieldRef.fieldPath, ctx);
      else if (item.resourceFieldRef) {
        const c = pod.spec?.containers.find((x) => x.name === item.resourceFieldRef?.containerName);
        if (!c) throw new VolumeError(vol, `container ${item.resourceFieldRef.containerName ?? ''} not found`);
        content = resourceFieldValue(c, item.resourceFieldRef.resource, item.resourceFieldRef.divisor, ctx.node);
      }
      return { path: item.path, content, mode: item.mode };
    } catch (e) {
      if (e instanceof ContainerStartError) throw new VolumeError(vol, e.message);
      throw e;
    }
  });
}

/** Throws VolumeError (FailedMount) for the first volume this node cannot set up; nothing is made. */
export function assertVolumesSupported(pod: Pod): void {
  for (const vol of pod.spec?.volumes ?? []) {
    const why = unsupportedVolumeSource(vol);
    if (why) throw new VolumeError(vol.name, why);
  }
}
