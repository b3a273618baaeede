import type { ConfigMap, Container, EnvVar, Pod, Secret } from 'kubernetes-types/core/v1.js';
import type { AgentApi, NodeInfo } from './agent-api.ts';
import { configError } from './errors.ts';
import { expand, lookupIn } from './expansion.ts';
import { milliValue, parseQuantity } from '../../api/index.ts';

export interface EnvContext {
  api: Pick<AgentApi, 'getConfigMap' | 'getSecret' | 'recordEvent'>;
  node: NodeInfo;
  /** The sandbox's IP (status.podIP / status.podIPs). */
  podIp?: string;
  /** Service environment variables (FOO_SERVICE_HOST...), lowest precedence; none by default. */
  serviceEnv?: ReadonlyMap<string, string>;
}

/** RelaxedEnvironmentVariableValidation (on by default since 1.32): printable ASCII but '='. */
const ENV_NAME = /^[\x20-\x3c\x3e-\x7e]+$/;

/**
 * The container's final environment in upstream order (kubelet makeEnvironmentVariables):
 * envFrom sources first, then env entries, each `value` expanded against the variables defined
 * before it and the service env. Missing non-optional configMaps/secrets/keys throw a
 * CreateContainerConfigError with kubelet's message.
 */
export async function containerEnv(pod: Pod, container: Container, ctx: EnvContext): Promise<{ name: string; value: string }[]> {
  const ns = pod.metadata?.namespace ?? 'default';
  const env = new Map<string, string>();
  const configMaps = new Map<string, ConfigMap | undefined>();
  const secrets = new Map<string, Secret | undefined>();
  const getCm = async (name: string): Promise<ConfigMap | undefined> => {
    if (!configMaps.has(name)) configMaps.set(name, await ctx.api.getConfigMap(ns, name));
    return configMaps.get(name);
  };
  const getSecret = async (name: string): Promise<Secret | undefined> => {
    if (!secrets.has(name)) secrets.set(name, await ctx.api.getSecret(ns, name));
    return secrets.get(name);
  };

  for (const src of container.envFrom ?? []) {
    const invalid: string[] = [];
    let data: Record<string, string> | undefined;
    if (src.configMapRef) {
      const name = src.configMapRef.name ?? '';
      const cm = await getCm(name);
      if (!cm) {
        if (src.configMapRef.optional) continue;
        throw configError(`configmap "${name}" not found`);
      }
      data = { ...cm.data };
    } else if (src.secretRef) {
      const name = src.secretRef.name ?? '';
      const s = await getSecret(name);
      if (!s) {
        if (src.secretRef.optional) continue;
        throw configError(`secret "${name}" not found`);
      }
      data = secretData(s);
    }
    for (const [k, v] of Object.entries(data ?? {})) {
      const key = (src.prefix ?? '') + k;
      if (!ENV_NAME.test(key)) invalid.push(key);
      else env.set(key, v);
    }
    if (invalid.length > 0) {
      const kind = src.configMapRef ? `configMap ${ns}/${src.configMapRef.name ?? ''}` : `secret ${ns}/${src.secretRef?.name ?? ''}`;
      ctx.api.recordEvent(
        pod,
        'Warning',
        'InvalidEnvironmentVariableNames',
        `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${kind} were skipped since they are considered invalid environment variable names.`,
      );
    }
  }

  const service = withApiServerEnv(ctx.serviceEnv ?? new Map<string, string>(), ctx.node);
  for (const e of container.env ?? []) {
    const value = e.valueFrom ? await valueFrom(pod, container, e, ctx, { getCm, getSecret }) : expand(e.value ?? '', lookupIn(env, service));
    if (value !== undefined) env.set(e.name, value);
  }
  for (const [k, v] of service) if (!env.has(k)) env.set(k, v);
  return [...env].map(([name, value]) => ({ name, value }));
}

interface Getters {
  getCm(name: string): Promise<ConfigMap | undefined>;
  getSecret(name: string): Promise<Secret | undefined>;
}

async function valueFrom(pod: Pod, container: Container, e: EnvVar, ctx: EnvContext, get: Getters): Promise<string | undefined> {
  const ns = pod.metadata?.namespace ?? 'default';
  const vf = e.valueFrom ?? {};
  if (vf.fieldRef) return fieldRefValue(pod, vf.fieldRef.fieldPath, ctx);
  if (vf.resourceFieldRef) {
    const target = vf.resourceFieldRef.containerName
      ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === vf.resourceFieldRef?.containerName)
      : container;
    if (!target) throw configError(`container ${vf.resourceFieldRef.containerName ?? ''} not found`);
    return resourceFieldValue(target, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor, ctx.node);
  }
  if (vf.configMapKeyRef) {
    const { name = '', key, optional } = vf.configMapKeyRef;
    const cm = await get.getCm(name);
    if (!cm) {
      if (optional) return undefined;
      throw configError(`configmap "${name}" not found`);
    }
    const v = cm.data?.[key] ?? (cm.binaryData?.[key] !== undefined ? Buffer.from(cm.binaryData[key] ?? '', 'base64').toString() : undefined);
    if (v === undefined && !optional) throw configError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
    return v;
  }
  if (vf.secretKeyRef) {
    const { name = '', key, optional } = vf.secretKeyRef;
    const s = await get.getSecret(name);
    if (!s) {
      if (optional) return undefined;
      throw configError(`secret "${name}" not found`);
    }
    const v = secretData(s)[key];
    if (v === undefined && !optional) throw configError(`couldn't find key ${key} in Secret ${ns}/${name}`);
    return v;
  }
  return '';
}

/** Secret `data` is base64; `stringData` is folded in by the apiserver but honoured if present. */
export function secretData(s: Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64').toString();
  for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
  return out;
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.*)'\]$/;

/** Downward API field paths (env and downwardAPI volumes). Unsupported paths throw. */
export function fieldRefValue(pod: Pod, path: string, ctx: Pick<EnvContext, 'node' | 'podIp'>): string {
  const sub = SUBSCRIPT.exec(path);
  if (sub) {
    const map = sub[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[sub[2] ?? ''] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata?.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? ctx.node.name;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return ctx.node.ip;
    case 'status.hostIPs':
      return ctx.node.ip;
    case 'status.podIP':
      return ctx.podIp ?? '';
    case 'status.podIPs':
      return ctx.podIp ?? '';
    default:
      throw configError(`unsupported fieldPath: ${path}`);
  }
}

/** `key="value"` lines sorted by key, as the downward API formats labels/annotations. */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m?.[k] ?? '')}`)
    .join('\n');
}

/**
 * limits.* / requests.* of a container divided by the divisor and rounded up (upstream
 * ExtractContainerResourceValue); unset limits default to the node's allocatable.
 */
export function resourceFieldValue(c: Container, resource: string, divisor: string | undefined, node: NodeInfo): string {
  const [kind, name = ''] = resource.split(/\.(.*)/s);
  let q: string | undefined;
  if (kind === 'limits') q = c.resources?.limits?.[name] ?? node.allocatable[name];
  else if (kind === 'requests') q = c.resources?.requests?.[name] ?? (name === 'cpu' || name === 'memory' ? c.resources?.limits?.[name] : undefined);
  else throw configError(`unsupported container resource : ${resource}`);
  if (name === 'cpu') {
    const div = milliValue(divisor ?? '1');
    return String(Math.ceil(milliValue(q ?? '0') / (div || 1)));
  }
  const div = parseQuantity(divisor ?? '1');
  return String(Math.ceil(parseQuantity(q ?? '0') / (div || 1)));
}

/**
 * In-cluster clients find the API through KUBERNETES_SERVICE_HOST/PORT, which kubelet derives from
 * the `kubernetes` Service (in every namespace, with the docker-link KUBERNETES_PORT* variables).
 * Before this node's proxy knows that Service, the agent's own API server address stands in
 * (reachable from pods wherever the agent reaches it).
 */
function withApiServerEnv(service: ReadonlyMap<string, string>, node: NodeInfo): ReadonlyMap<string, string> {
  if (service.has('KUBERNETES_SERVICE_HOST')) return service;
  if (node.apiService) {
    const { host, port } = node.apiService;
    const link = `tcp://${host}:${port}`;
    const prefix = `KUBERNETES_PORT_${port}_TCP`;
    return new Map([
      ...service,
      ['KUBERNETES_SERVICE_HOST', host],
      ['KUBERNETES_SERVICE_PORT', String(port)],
      ['KUBERNETES_SERVICE_PORT_HTTPS', String(port)],
      ['KUBERNETES_PORT', link],
      [prefix, link],
      [`${prefix}_PROTO`, 'tcp'],
      [`${prefix}_PORT`, String(port)],
      [`${prefix}_ADDR`, host],
    ]);
  }
  if (!node.apiServer) return service;
  let url: URL;
  try {
    url = new URL(node.apiServer);
  } catch {
    return service;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || '443';
  return new Map([...service, ['KUBERNETES_SERVICE_HOST', host], ['KUBERNETES_SERVICE_PORT', port], ['KUBERNETES_SERVICE_PORT_HTTPS', port]]);
}
