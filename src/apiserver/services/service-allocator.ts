// ClusterIP and NodePort allocation for Services, in the API server (upstream pkg/registry/core/
// service/ipallocator + portallocator + the REST hooks of storage/alloc.go). Allocation happens
// between defaulting and validation of a create/update; the returned finish function releases
// what was taken when the write fails (or is a dry run). Deletes release everything.
//
// State: in memory, rebuilt from the stored Services at start (upstream's repair loop does the
// same from the objects). Allocation is synchronous on the one event loop, so concurrent creates
// in this server never share an IP or port. Several servers on one etcd would each need the
// persisted bitmap upstream keeps; Peapod does not persist it yet.
import { isIPv4 } from 'node:net';
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { FieldError, GoValue, fieldErrors, internalError, invalid } from '../errors.ts';
import type { KObject } from '../registry/types.ts';
import type { StoreHooks } from '../store/store-hooks.ts';
import type { IpRange } from './ip-range.ts';
import { RangeAllocator } from './range-allocator.ts';
import { HEADLESS, needsClusterIP, needsHealthCheckNodePort, needsNodePorts } from './service-shape.ts';

export interface PortRange {
  readonly base: number;
  readonly size: number;
}

/** Parses `30000-32767` (or a single port) as upstream's --service-node-port-range. */
export function parsePortRange(text: string): PortRange {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  const lo = Number(m?.[1]);
  const hi = m?.[2] === undefined ? lo : Number(m[2]);
  if (!m || lo < 1 || hi > 65535 || hi < lo) throw new Error(`service node port range must be "low-high" within 1-65535, got ${JSON.stringify(text)}`);
  return { base: lo, size: hi - lo + 1 };
}

type Undo = () => void;

const svcOf = (obj: KObject): Service => obj as unknown as Service;
type MutableSpec = NonNullable<Service['spec']> & Record<string, unknown>;
const specOf = (svc: Service): MutableSpec => ((svc as { spec?: MutableSpec }).spec ??= {} as MutableSpec);

export class ServiceAllocator {
  readonly ipRange: IpRange;
  readonly portRange: PortRange;
  private readonly ips: RangeAllocator;
  private readonly ports: RangeAllocator;
  private loaded!: () => void;
  /** Resolves once rebuild() ran; writes wait for it so a restart never hands out a used value. */
  private readonly ready = new Promise<void>((r) => (this.loaded = r));

  constructor(ipRange: IpRange, portRange: PortRange) {
    this.ipRange = ipRange;
    this.portRange = portRange;
    this.ips = new RangeAllocator(ipRange.size, { minReserved: 16, maxReserved: 256 });
    this.ports = new RangeAllocator(portRange.size, { minReserved: 16, maxReserved: 128 });
  }

  /** Marks what the stored Services hold as used; call once at start, before serving writes. */
  rebuild(services: readonly KObject[]): void {
    for (const obj of services) {
      const svc = svcOf(obj);
      for (const ip of svc.spec?.clusterIPs ?? [svc.spec?.clusterIP ?? '']) {
        const off = this.ipRange.offsetOf(ip);
        if (off !== undefined) this.ips.allocate(off);
      }
      for (const p of nodePortsOf(svc)) this.ports.allocate(p - this.portRange.base);
    }
    this.loaded();
  }

  get freeIPs(): number {
    return this.ips.free;
  }

  hooks(): StoreHooks {
    return {
      beginCreate: async (obj, opts) => {
        await this.ready;
        const undo: Undo[] = [];
        this.run(obj, undo, () => {
          const svc = svcOf(obj);
          if (needsClusterIP(svc)) this.allocateIPs(svc, undo);
          if (needsNodePorts(svc)) this.allocateNodePorts(svc, new Set(), undo);
          if (needsHealthCheckNodePort(svc)) this.allocateHealthCheck(svc, undefined, undo);
        });
        return (ok) => {
          if (!ok || opts.dryRun) for (const u of undo.reverse()) u();
        };
      },
      beginUpdate: async (obj, old, opts) => {
        await this.ready;
        const undo: Undo[] = [];
        const releaseOnSuccess: Undo[] = [];
        this.run(obj, undo, () => this.update(svcOf(obj), svcOf(old), undo, releaseOnSuccess));
        return (ok) => {
          if (!ok || opts.dryRun) for (const u of undo.reverse()) u();
          else for (const r of releaseOnSuccess) r();
        };
      },
      afterDelete: (obj) => {
        const svc = svcOf(obj);
        for (const ip of svc.spec?.clusterIPs ?? [svc.spec?.clusterIP ?? '']) this.releaseIP(ip);
        for (const p of nodePortsOf(svc)) this.ports.release(p - this.portRange.base);
      },
    };
  }

  /** Runs `fn`, turning FieldErrors into one Invalid error after undoing partial allocations. */
  private run(obj: KObject, undo: Undo[], fn: () => void): void {
    try {
      fn();
    } catch (e) {
      for (const u of undo.reverse()) u();
      if (e instanceof FieldError) throw invalid('', 'Service', obj.metadata?.name ?? '', [e]);
      throw e;
    }
  }

  private releaseIP(ip: string): void {
    const off = this.ipRange.offsetOf(ip);
    if (off !== undefined) this.ips.release(off);
  }

  private allocateIPs(svc: Service, undo: Undo[]): void {
    const spec = specOf(svc);
    const requested = spec.clusterIPs?.[0] ?? spec.clusterIP ?? '';
    if (requested === HEADLESS) {
      spec.clusterIP = HEADLESS;
      spec.clusterIPs = [HEADLESS];
    } else if (requested === '') {
      const off = this.ips.allocateNext();
      if (off === undefined) throw internalError('failed to allocate a serviceIP: range is full');
      undo.push(() => this.ips.release(off));
      spec.clusterIP = this.ipRange.ipAt(off);
      spec.clusterIPs = [spec.clusterIP];
    } else if (isIPv4(requested)) {
      // Malformed addresses are left to validation, which words them as upstream does.
      const value = new GoValue(`[]string{${(spec.clusterIPs ?? [requested]).map((s) => JSON.stringify(s)).join(', ')}}`);
      const off = this.ipRange.offsetOf(requested);
      if (off === undefined) {
        throw fieldErrors.invalid('spec.clusterIPs', value, `failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${this.ipRange.cidr}`);
      }
      if (!this.ips.allocate(off)) throw fieldErrors.invalid('spec.clusterIPs', value, `failed to allocate IP ${requested}: provided IP is already allocated`);
      undo.push(() => this.ips.release(off));
      spec.clusterIP = requested;
      spec.clusterIPs = [requested];
    }
    // Single-stack IPv4 cluster: headless services without a selector get RequireDualStack as
    // upstream defaults them, everything else SingleStack.
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= spec.clusterIP === HEADLESS && Object.keys(spec.selector ?? {}).length === 0 ? 'RequireDualStack' : 'SingleStack';
  }

  /** Takes an explicit port (must be free and in range) or allocates one; `keep` are ours already. */
  private takePort(value: number | undefined, field: string, keep: Set<number>, undo: Undo[]): number {
    if (value === undefined || value === 0) {
      const off = this.ports.allocateNext();
      if (off === undefined) throw internalError('failed to allocate a nodePort: range is full');
      undo.push(() => this.ports.release(off));
      return this.portRange.base + off;
    }
    if (keep.has(value)) return value;
    const off = value - this.portRange.base;
    if (!Number.isInteger(value) || value < 1 || value > 65535) return value; // validation words it
    if (off < 0 || off >= this.portRange.size) {
      throw fieldErrors.invalid(field, value, `provided port is not in the valid range. The range of valid ports is ${this.portRange.base}-${this.portRange.base + this.portRange.size - 1}`);
    }
    if (!this.ports.allocate(off)) throw fieldErrors.invalid(field, value, 'provided port is already allocated');
    undo.push(() => this.ports.release(off));
    return value;
  }

  private allocateNodePorts(svc: Service, keep: Set<number>, undo: Undo[]): void {
    // One service may use the same node port for several protocols (e.g. DNS on 53/TCP and 53/UDP).
    const mine = new Map<number, number>();
    (specOf(svc).ports ?? []).forEach((port: ServicePort, i) => {
      const p = port as ServicePort & { nodePort?: number };
      const field = `spec.ports[${i}].nodePort`;
      if (p.nodePort && mine.has(p.nodePort)) return;
      const taken = this.takePort(p.nodePort, field, keep, undo);
      mine.set(taken, i);
      p.nodePort = taken;
    });
  }

  private allocateHealthCheck(svc: Service, keep: number | undefined, undo: Undo[]): void {
    const spec = specOf(svc);
    spec.healthCheckNodePort = this.takePort(spec.healthCheckNodePort, 'spec.healthCheckNodePort', new Set(keep ? [keep] : []), undo);
  }

  private update(svc: Service, old: Service, undo: Undo[], releaseOnSuccess: Undo[]): void {
    const spec = specOf(svc);
    const oldSpec = old.spec ?? {};
    // IPs: kept when both shapes need one (a change is refused by validation), taken when the
    // service starts needing one, released once a type change to ExternalName is stored.
    if (needsClusterIP(old) && needsClusterIP(svc)) {
      if (!spec.clusterIP && oldSpec.clusterIP) {
        spec.clusterIP = oldSpec.clusterIP;
        spec.clusterIPs = oldSpec.clusterIPs ?? [oldSpec.clusterIP];
      }
      if (!spec.clusterIPs && spec.clusterIP === oldSpec.clusterIP) spec.clusterIPs = oldSpec.clusterIPs;
      spec.ipFamilies ??= oldSpec.ipFamilies;
      spec.ipFamilyPolicy ??= oldSpec.ipFamilyPolicy;
    } else if (needsClusterIP(svc)) {
      this.allocateIPs(svc, undo);
    } else if (needsClusterIP(old)) {
      if (spec.clusterIP === oldSpec.clusterIP) {
        delete spec.clusterIP;
        delete spec.clusterIPs;
        delete spec.ipFamilies;
        delete spec.ipFamilyPolicy;
      }
      for (const ip of oldSpec.clusterIPs ?? [oldSpec.clusterIP ?? '']) releaseOnSuccess.push(() => this.releaseIP(ip));
    }
    const oldPorts = new Set(needsNodePorts(old) ? nodePortsOf({ ...old, spec: { ...oldSpec, healthCheckNodePort: undefined } }) : []);
    if (needsNodePorts(svc)) {
      // A PUT without nodePorts keeps the ones the same port/protocol had (upstream patchAllocatedValues).
      for (const p of spec.ports ?? []) {
        const w = p as ServicePort & { nodePort?: number };
        if (w.nodePort) continue;
        const prev = (oldSpec.ports ?? []).find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        if (prev?.nodePort && oldPorts.has(prev.nodePort)) w.nodePort = prev.nodePort;
      }
      this.allocateNodePorts(svc, oldPorts, undo);
    } else if (oldPorts.size > 0) {
      // Type change away from NodePort: upstream drops the ports it allocated.
      for (const p of spec.ports ?? []) {
        const w = p as ServicePort & { nodePort?: number };
        const prev = (oldSpec.ports ?? []).find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        if (w.nodePort && prev?.nodePort === w.nodePort) delete w.nodePort;
      }
    }
    const newPorts = new Set(needsNodePorts(svc) ? (spec.ports ?? []).map((p) => p.nodePort ?? 0).filter(Boolean) : []);
    for (const p of oldPorts) if (!newPorts.has(p)) releaseOnSuccess.push(() => this.ports.release(p - this.portRange.base));
    const oldHc = oldSpec.healthCheckNodePort;
    if (needsHealthCheckNodePort(svc)) {
      if (!spec.healthCheckNodePort && oldHc && needsHealthCheckNodePort(old)) spec.healthCheckNodePort = oldHc;
      this.allocateHealthCheck(svc, needsHealthCheckNodePort(old) ? oldHc : undefined, undo);
    } else if (oldHc) {
      if (spec.healthCheckNodePort === oldHc) delete spec.healthCheckNodePort;
    }
    if (oldHc && spec.healthCheckNodePort !== oldHc && !newPorts.has(oldHc)) releaseOnSuccess.push(() => this.ports.release(oldHc - this.portRange.base));
  }
}

/** Every node port a stored Service holds (ports and the health-check port). */
export function nodePortsOf(svc: Service): number[] {
  const out = (svc.spec?.ports ?? []).map((p) => p.nodePort ?? 0).filter((p) => p > 0);
  if (svc.spec?.healthCheckNodePort) out.push(svc.spec.healthCheckNodePort);
  return [...new Set(out)];
}
