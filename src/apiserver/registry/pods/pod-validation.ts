// Pod create validation (pkg/apis/core/validation ValidatePodCreate / ValidatePodSpec), with the
// messages kubectl users see in `Pod "x" is invalid: ...`.
import type { Container, ContainerPort, Pod, PodSpec, ResourceRequirements, Toleration, Volume } from 'kubernetes-types/core/v1.js';
import { type FieldError, fieldErrors } from '../../errors.ts';
import { isQualifiedName, isValidLabelValue, validateLabelName } from '../../validation/labels.ts';
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain } from '../../validation/names.ts';
import { type Quantity, tryParseQuantityValue } from '../../../api/index.ts';
import { isRecord } from '../common.ts';
import { volumeSourceNames } from './pod-defaults.ts';

const MAX_INT32 = 2147483647;
const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const terminationMessagePolicies = ['File', 'FallbackToLogsOnError'];
const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** Pod-specific checks; the store validates metadata itself (validation/object-meta.ts). */
export function validatePod(pod: Pod): FieldError[] {
  return validatePodSpec(pod.spec, 'spec');
}

export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  const s: PodSpec = spec ?? { containers: [] };
  const errs: FieldError[] = [];
  const volumes = validateVolumes(s.volumes ?? [], `${path}.volumes`, errs);

  const containers = s.containers ?? [];
  if (containers.length === 0) errs.push(fieldErrors.required(`${path}.containers`));
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${path}.containers[${i}]`;
    validateContainer(c, p, volumes, names, errs);
    if (c.restartPolicy !== undefined) errs.push(fieldErrors.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
  });
  (s.initContainers ?? []).forEach((c, i) => {
    const p = `${path}.initContainers[${i}]`;
    validateContainer(c, p, volumes, names, errs);
    if (c.restartPolicy !== undefined && c.restartPolicy !== 'Always') {
      errs.push(fieldErrors.notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
    }
    if (c.restartPolicy !== 'Always') {
      for (const probe of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (c[probe] !== undefined) errs.push(fieldErrors.forbidden(`${p}.${probe}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  validateHostPorts([...containers, ...(s.initContainers ?? [])], path, errs);

  errs.push(...enumField(`${path}.restartPolicy`, s.restartPolicy, restartPolicies));
  errs.push(...enumField(`${path}.dnsPolicy`, s.dnsPolicy, dnsPolicies));
  if (s.dnsPolicy === 'None' && (s.dnsConfig?.nameservers ?? []).length === 0) {
    errs.push(fieldErrors.required(`${path}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when DNS policy is None'));
  }
  if (s.activeDeadlineSeconds !== undefined && (s.activeDeadlineSeconds < 1 || s.activeDeadlineSeconds > MAX_INT32)) {
    errs.push(fieldErrors.invalid(`${path}.activeDeadlineSeconds`, s.activeDeadlineSeconds, inclusiveRangeError(1, MAX_INT32)));
  }
  if (s.terminationGracePeriodSeconds !== undefined && s.terminationGracePeriodSeconds < 0) {
    errs.push(fieldErrors.invalid(`${path}.terminationGracePeriodSeconds`, s.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  }
  if (s.serviceAccountName) {
    for (const m of isDNS1123Subdomain(s.serviceAccountName)) errs.push(fieldErrors.invalid(`${path}.serviceAccountName`, s.serviceAccountName, m));
  }
  if (s.nodeName) {
    for (const m of isDNS1123Subdomain(s.nodeName)) errs.push(fieldErrors.invalid(`${path}.nodeName`, s.nodeName, m));
  }
  if (s.hostname) for (const m of isDNS1123Label(s.hostname)) errs.push(fieldErrors.invalid(`${path}.hostname`, s.hostname, m));
  if (s.subdomain) for (const m of isDNS1123Label(s.subdomain)) errs.push(fieldErrors.invalid(`${path}.subdomain`, s.subdomain, m));
  if (isRecord(s.nodeSelector)) {
    for (const [k, v] of Object.entries(s.nodeSelector)) {
      errs.push(...validateLabelName(k, `${path}.nodeSelector`));
      for (const m of isValidLabelValue(v)) errs.push(fieldErrors.invalid(`${path}.nodeSelector`, v, m));
    }
  }
  errs.push(...validateTolerations(s.tolerations ?? [], `${path}.tolerations`));
  const gates = new Set<string>();
  (s.schedulingGates ?? []).forEach((g, i) => {
    const p = `${path}.schedulingGates[${i}].name`;
    for (const m of isQualifiedName(g.name)) errs.push(fieldErrors.invalid(p, g.name, m));
    if (gates.has(g.name)) errs.push(fieldErrors.duplicate(p, g.name));
    gates.add(g.name);
  });
  return errs;
}

function enumField(path: string, value: string | undefined, valid: string[]): FieldError[] {
  if (value === undefined || value === '') return [fieldErrors.required(path)];
  return valid.includes(value) ? [] : [fieldErrors.notSupported(path, value, valid)];
}

function validateVolumes(volumes: Volume[], path: string, errs: FieldError[]): Set<string> {
  const names = new Set<string>();
  volumes.forEach((v, i) => {
    const p = `${path}[${i}]`;
    if (!v.name) errs.push(fieldErrors.required(`${p}.name`));
    else {
      for (const m of isDNS1123Label(v.name)) errs.push(fieldErrors.invalid(`${p}.name`, v.name, m));
      if (names.has(v.name)) errs.push(fieldErrors.duplicate(`${p}.name`, v.name));
    }
    if (v.name) names.add(v.name);
    const sources = volumeSourceNames(v);
    if (sources.length === 0) errs.push(fieldErrors.required(p, 'must specify a volume type'));
    for (const extra of sources.slice(1)) errs.push(fieldErrors.forbidden(`${p}.${extra}`, 'may not specify more than 1 volume type'));
    if (v.configMap && !v.configMap.name) errs.push(fieldErrors.required(`${p}.configMap.name`));
    if (v.secret && !v.secret.secretName) errs.push(fieldErrors.required(`${p}.secret.secretName`));
    if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) {
      errs.push(fieldErrors.required(`${p}.persistentVolumeClaim.claimName`));
    }
    if (v.hostPath && !v.hostPath.path) errs.push(fieldErrors.required(`${p}.hostPath.path`));
    for (const mode of [v.configMap?.defaultMode, v.secret?.defaultMode, v.projected?.defaultMode, v.downwardAPI?.defaultMode]) {
      if (mode !== undefined && (mode < 0 || mode > 0o777)) {
        errs.push(fieldErrors.invalid(`${p}.${sources[0] ?? ''}.defaultMode`, mode, 'must be a number between 0 and 0777 (octal), both inclusive'));
      }
    }
  });
  return names;
}

function validateContainer(c: Container, p: string, volumes: Set<string>, names: Set<string>, errs: FieldError[]): void {
  if (!c.name) errs.push(fieldErrors.required(`${p}.name`));
  else {
    for (const m of isDNS1123Label(c.name)) errs.push(fieldErrors.invalid(`${p}.name`, c.name, m));
    if (names.has(c.name)) errs.push(fieldErrors.duplicate(`${p}.name`, c.name));
    names.add(c.name);
  }
  if (!c.image) errs.push(fieldErrors.required(`${p}.image`));
  else if (c.image.trim() !== c.image) errs.push(fieldErrors.invalid(`${p}.image`, c.image, 'must not have leading or trailing whitespace'));
  errs.push(...enumField(`${p}.imagePullPolicy`, c.imagePullPolicy, pullPolicies));
  errs.push(...enumField(`${p}.terminationMessagePolicy`, c.terminationMessagePolicy, terminationMessagePolicies));
  validatePorts(c.ports ?? [], `${p}.ports`, errs);
  (c.env ?? []).forEach((e, i) => {
    const ep = `${p}.env[${i}].name`;
    if (!e.name) errs.push(fieldErrors.required(ep));
    else if (!/^[ -<>-~]+$/.test(e.name)) {
      errs.push(fieldErrors.invalid(ep, e.name, "a valid environment variable name must consist only of printable ASCII characters other than '='"));
    }
  });
  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const mp = `${p}.volumeMounts[${i}]`;
    if (!m.name) errs.push(fieldErrors.required(`${mp}.name`));
    if (!volumes.has(m.name)) errs.push(fieldErrors.notFound(`${mp}.name`, m.name ?? ''));
    if (!m.mountPath) errs.push(fieldErrors.required(`${mp}.mountPath`));
    else if (mountPaths.has(m.mountPath)) errs.push(fieldErrors.invalid(`${mp}.mountPath`, m.mountPath, 'must be unique'));
    if (m.mountPath) mountPaths.add(m.mountPath);
    if (m.subPath) validateSubPath(m.subPath, `${mp}.subPath`, errs);
  });
  validateResources(c.resources, `${p}.resources`, errs);
}

function validateSubPath(subPath: string, path: string, errs: FieldError[]): void {
  if (subPath.startsWith('/')) errs.push(fieldErrors.invalid(path, subPath, 'must be a relative path'));
  if (subPath.split('/').includes('..')) errs.push(fieldErrors.invalid(path, subPath, "must not contain '..'"));
}

/** Port names must be IANA_SVC_NAMEs (upstream IsValidPortName). */
export function isValidPortName(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens (--)');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen (-)');
  return errs;
}

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

function validatePorts(ports: ContainerPort[], path: string, errs: FieldError[]): void {
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (port.name) {
      const msgs = isValidPortName(port.name);
      for (const m of msgs) errs.push(fieldErrors.invalid(`${p}.name`, port.name, m));
      if (msgs.length === 0 && names.has(port.name)) errs.push(fieldErrors.duplicate(`${p}.name`, port.name));
      names.add(port.name);
    }
    if (!port.containerPort) errs.push(fieldErrors.required(`${p}.containerPort`));
    else for (const m of isValidPortNum(port.containerPort)) errs.push(fieldErrors.invalid(`${p}.containerPort`, port.containerPort, m));
    if (port.hostPort) for (const m of isValidPortNum(port.hostPort)) errs.push(fieldErrors.invalid(`${p}.hostPort`, port.hostPort, m));
    errs.push(...enumField(`${p}.protocol`, port.protocol, protocols));
  });
}

/**
 * Host ports must be unique per protocol and host IP across the pod (upstream
 * AccumulateUniqueHostPorts). Duplicate containerPorts without hostPort only draw a warning upstream.
 */
function validateHostPorts(containers: Container[], path: string, errs: FieldError[]): void {
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    (c.ports ?? []).forEach((port, pi) => {
      if (!port.hostPort) return;
      const key = `${port.protocol ?? 'TCP'}/${port.hostIP ?? ''}/${port.hostPort}`;
      if (seen.has(key)) errs.push(fieldErrors.duplicate(`${path}.containers[${ci}].ports[${pi}].hostPort`, key));
      seen.add(key);
    });
  });
}

function validateResourceName(name: string, path: string, errs: FieldError[]): void {
  for (const m of isQualifiedName(name)) errs.push(fieldErrors.invalid(path, name, m));
  if (!name.includes('/') && !standardContainerResources.has(name) && !name.startsWith('hugepages-')) {
    errs.push(fieldErrors.invalid(path, name, 'must be a standard resource for containers'));
  }
}

function quantities(list: unknown, path: string, errs: FieldError[]): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  if (!isRecord(list)) return out;
  for (const [name, raw] of Object.entries(list)) {
    const p = `${path}[${name}]`;
    validateResourceName(name, p, errs);
    const r = tryParseQuantityValue(raw);
    if (!r.ok) {
      errs.push(fieldErrors.invalid(p, raw, r.error));
      continue;
    }
    if (r.quantity.nanos < 0n) errs.push(fieldErrors.invalid(p, r.quantity.toString(), 'must be greater than or equal to 0'));
    if (name.startsWith('hugepages-') && !r.quantity.isInteger()) errs.push(fieldErrors.invalid(p, r.quantity.toString(), 'must be an integer'));
    out.set(name, r.quantity);
  }
  return out;
}

function isOvercommitAllowed(name: string): boolean {
  return standardContainerResources.has(name) || (name.includes('/') && !name.startsWith('requests.'));
}

function validateResources(res: ResourceRequirements | undefined, path: string, errs: FieldError[]): void {
  if (!res) return;
  const limits = quantities(res.limits, `${path}.limits`, errs);
  const requests = quantities(res.requests, `${path}.requests`, errs);
  for (const [name, req] of requests) {
    const lim = limits.get(name);
    if (!lim) continue;
    if (!isOvercommitAllowed(name) && req.cmp(lim) !== 0) {
      errs.push(fieldErrors.invalid(`${path}.requests`, req.toString(), `must be equal to ${name} limit of ${lim.toString()}`));
    } else if (req.cmp(lim) > 0) {
      errs.push(fieldErrors.invalid(`${path}.requests`, req.toString(), `must be less than or equal to ${name} limit of ${lim.toString()}`));
    }
  }
}

export function validateTolerations(tolerations: Toleration[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (t.key) errs.push(...validateLabelName(t.key, `${p}.key`));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(
        fieldErrors.invalid(`${p}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'),
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errs.push(fieldErrors.invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator ?? '') {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(t.value ?? '');
        if (msgs.length > 0) errs.push(fieldErrors.invalid(`${p}.operator`, t.value ?? '', msgs.join(';')));
        break;
      }
      case 'Exists':
        if (t.value) errs.push(fieldErrors.invalid(`${p}.operator`, t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(fieldErrors.notSupported(`${p}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !taintEffects.includes(t.effect)) errs.push(fieldErrors.notSupported(`${p}.effect`, t.effect, taintEffects));
  });
  return errs;
}
