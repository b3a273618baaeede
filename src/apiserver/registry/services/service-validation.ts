// Service validation (upstream ValidateService / ValidateServiceUpdate): ports, type-dependent
// fields, traffic policies, affinity and the immutability of the allocated ClusterIP. Allocation
// errors (IP outside the range, port taken) come from the allocator hooks, which run first.
import { isIP, isIPv4 } from 'node:net';
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { type FieldError, GoValue, fieldErrors } from '../../errors.ts';
import { validateLabels } from '../../validation/labels.ts';
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain } from '../../validation/names.ts';
import { isValidPortName, isValidPortNum } from '../pods/pod-validation.ts';
import { HEADLESS, needsClusterIP } from '../../services/service-shape.ts';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_AFFINITY_TIMEOUT = 86400;

function goServicePortKey(port: ServicePort): GoValue {
  // Upstream reports a duplicate port/protocol pair with the Go literal of its lookup key.
  return new GoValue(
    `core.ServicePort{Name:"", Protocol:${JSON.stringify(port.protocol ?? '')}, AppProtocol:(*string)(nil), Port:${port.port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
  );
}

function validatePort(port: ServicePort, path: string, requireName: boolean, names: Set<string>, errs: FieldError[]): void {
  if (!port.name) {
    if (requireName) errs.push(fieldErrors.required(`${path}.name`));
  } else {
    const msgs = isDNS1123Label(port.name);
    for (const m of msgs) errs.push(fieldErrors.invalid(`${path}.name`, port.name, m));
    if (msgs.length === 0 && names.has(port.name)) errs.push(fieldErrors.duplicate(`${path}.name`, port.name));
    names.add(port.name);
  }
  for (const m of isValidPortNum(port.port)) errs.push(fieldErrors.invalid(`${path}.port`, port.port, m));
  if (!port.protocol) errs.push(fieldErrors.required(`${path}.protocol`));
  else if (!PROTOCOLS.includes(port.protocol)) errs.push(fieldErrors.notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
  const target = port.targetPort;
  if (typeof target === 'number') for (const m of isValidPortNum(target)) errs.push(fieldErrors.invalid(`${path}.targetPort`, target, m));
  else if (typeof target === 'string') for (const m of isValidPortName(target)) errs.push(fieldErrors.invalid(`${path}.targetPort`, target, m));
  if (port.nodePort !== undefined && port.nodePort !== 0 && !(Number.isInteger(port.nodePort) && port.nodePort >= 1 && port.nodePort <= 65535)) {
    errs.push(fieldErrors.invalid(`${path}.nodePort`, port.nodePort, inclusiveRangeError(1, 65535)));
  }
}

function validatePorts(svc: Service, errs: FieldError[]): void {
  const spec = svc.spec ?? {};
  const ports = spec.ports ?? [];
  const type = spec.type ?? 'ClusterIP';
  if (ports.length === 0 && spec.clusterIP !== HEADLESS && type !== 'ExternalName') errs.push(fieldErrors.required('spec.ports'));
  const names = new Set<string>();
  const pairs = new Set<string>();
  ports.forEach((port, i) => {
    const path = `spec.ports[${i}]`;
    validatePort(port, path, ports.length > 1, names, errs);
    const key = `${port.port}/${port.protocol ?? ''}`;
    if (pairs.has(key)) errs.push(fieldErrors.duplicate(path, goServicePortKey(port)));
    pairs.add(key);
    if (type === 'ClusterIP' && port.nodePort) errs.push(fieldErrors.forbidden(`${path}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
  });
}

function validateClusterIP(svc: Service, errs: FieldError[]): void {
  const spec = svc.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  const ips = spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []);
  if (!needsClusterIP(svc)) {
    if (ips.length > 0) errs.push(fieldErrors.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    return;
  }
  if (spec.clusterIP && ips[0] !== spec.clusterIP) {
    errs.push(
      fieldErrors.invalid('spec.clusterIPs', new GoValue(`[]string{${ips.map((s) => JSON.stringify(s)).join(', ')}}`), 'first value must match `clusterIP`'),
    );
  }
  ips.forEach((ip, i) => {
    const path = `spec.clusterIPs[${i}]`;
    if (ip === HEADLESS) {
      if (i > 0) errs.push(fieldErrors.invalid(path, ip, 'must be a valid IP address'));
      else if (type === 'NodePort' || type === 'LoadBalancer') errs.push(fieldErrors.invalid(path, ip, `may not be set to 'None' for ${type} services`));
    } else if (isIP(ip) === 0) {
      errs.push(fieldErrors.invalid(path, ip, i === 0 ? "must be empty, 'None', or a valid IP address" : 'must be a valid IP address'));
    }
  });
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(fieldErrors.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
    else if (f === 'IPv6') errs.push(fieldErrors.invalid(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster'));
  });
  const policy = spec.ipFamilyPolicy;
  if (policy !== undefined && !['PreferDualStack', 'RequireDualStack', 'SingleStack'].includes(policy)) {
    errs.push(fieldErrors.notSupported('spec.ipFamilyPolicy', policy, ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  }
}

function validateTypeFields(svc: Service, errs: FieldError[]): void {
  const spec = svc.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  if (!TYPES.includes(type)) errs.push(fieldErrors.notSupported('spec.type', type, TYPES));
  if (type === 'ExternalName') {
    if (!spec.externalName) errs.push(fieldErrors.required('spec.externalName'));
    else for (const m of isDNS1123Subdomain(spec.externalName.replace(/\.$/, ''))) errs.push(fieldErrors.invalid('spec.externalName', spec.externalName, m));
  }
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (!isIPv4(ip) && isIP(ip) === 0) errs.push(fieldErrors.invalid(`spec.externalIPs[${i}]`, ip, 'must be a valid IP address'));
  });
  const external = type === 'NodePort' || type === 'LoadBalancer' || (spec.externalIPs ?? []).length > 0;
  const etp = spec.externalTrafficPolicy;
  if (!external) {
    if (etp) errs.push(fieldErrors.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (etp === undefined || etp === '') {
    errs.push(fieldErrors.required('spec.externalTrafficPolicy'));
  } else if (etp !== 'Cluster' && etp !== 'Local') {
    errs.push(fieldErrors.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  }
  const itp = spec.internalTrafficPolicy;
  if (type !== 'ExternalName' && itp !== undefined && itp !== 'Cluster' && itp !== 'Local') {
    errs.push(fieldErrors.notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  }
  if (spec.healthCheckNodePort && !(type === 'LoadBalancer' && etp === 'Local')) {
    errs.push(
      fieldErrors.invalid(
        'spec.healthCheckNodePort',
        spec.healthCheckNodePort,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  }
}

function validateAffinity(svc: Service, errs: FieldError[]): void {
  const spec = svc.spec ?? {};
  const affinity = spec.sessionAffinity ?? 'None';
  if (affinity !== 'None' && affinity !== 'ClientIP') errs.push(fieldErrors.notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']));
  if (affinity === 'ClientIP') {
    const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (t === undefined || !Number.isInteger(t) || t <= 0 || t > MAX_AFFINITY_TIMEOUT) {
      errs.push(
        fieldErrors.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t ?? 0, `must be greater than 0 and less than ${MAX_AFFINITY_TIMEOUT}`),
      );
    }
  } else if (spec.sessionAffinityConfig !== undefined) {
    errs.push(fieldErrors.invalid('spec.sessionAffinityConfig', new GoValue('{}'), 'must not be set when session affinity is None'));
  }
}

export function validateService(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  validatePorts(svc, errs);
  validateClusterIP(svc, errs);
  validateTypeFields(svc, errs);
  validateAffinity(svc, errs);
  errs.push(...validateLabels(svc.spec?.selector, 'spec.selector'));
  return errs;
}

export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs: FieldError[] = [];
  // The allocated address stays with the Service for its life (unless the type drops it).
  if (needsClusterIP(old) && needsClusterIP(svc) && old.spec?.clusterIP) {
    const before = old.spec.clusterIPs ?? [old.spec.clusterIP];
    const after = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : []);
    if (after[0] !== before[0]) {
      errs.push(
        fieldErrors.invalid('spec.clusterIPs[0]', new GoValue(`[]string{${after.map((s) => JSON.stringify(s)).join(', ')}}`), 'may not change once set'),
      );
    }
  }
  return errs;
}
