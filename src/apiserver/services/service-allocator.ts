// ClusterIP and NodePort allocation for Services, in the API server (upstream pkg/registry/core/
// service/ipallocator + portallocator + the REST hooks of storage/alloc.go). Allocation happens
// between defaulting and validation of a create/update; the returned finish function releases
// what was taken when the write fails (or is a dry run). Deletes release everything.
//
// State: two RangeAllocation records in storage (StoredRange), shared by every API server on it,
// so two servers on one etcd never hand out the same IP or port. At start the records are
// repaired from the stored Services (upstream's repair loop): what a Service holds is marked used,
// and what the record holds beyond that is released after a grace period, if still unheld then
// (it may belong to a create in flight on another server).
import { isIPv4 } from 'node:net';
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { FieldError, GoValue, fieldErrors, internalError, invalid } from '../errors.ts';
import type { KObject } from '../registry/types.ts';
import type { StoreHooks } from '../store/store-hooks.ts';
import type { Backend } from '../../storage/index.ts';
import type { IpRange } from './ip-range.ts';
import { StoredRange } from './stored-range.ts';
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

type Undo = () => Promise<void>;

/** Upstream's storage keys for the two allocation records. */
export const SERVICE_IPS_KEY = '/registry/ranges/serviceips';
export const SERVICE_NODE_PORTS_KEY = '/registry/ranges/servicenodeports';

async function undoAll(undo: Undo[]): Promise<void> {
  for (const u of undo.reverse()) await u();
}

const svcOf = (obj: KObject): Service => obj as unknown as Service;
type MutableSpec = NonNullable<Service['spec']> & Record<string, unknown>;
const specOf = (svc: Service): MutableSpec => ((svc as { spec?: MutableSpec }).spec ??= {} as MutableSpec);

export interface ServiceAllocatorOptions {
  /** Released leak candidates are those still unheld this long after start (upstream repairs every 3 minutes). */
  readonly leakGraceMs?: number;
}

export class ServiceAllocator {
  readonly ipRange: IpRange;
  readonly portRange: PortRange;
  private readonly ips: StoredRange;
  private readonly ports: StoredRange;
  private readonly leakGraceMs: number;
  private leakTimer: NodeJS.Timeout | undefined;
  private loaded!: () => void;
  /** Resolves once rebuild() ran; writes wait for it so a restart never hands out a used value. */
  private readonly ready = new Promise<void>((r) => (this.loaded = r));

  constructor(backend: Backend, ranges: { ipRange: IpRange; portRange: PortRange }, options: ServiceAllocatorOptions = {}) {
    this.ipRange = ranges.ipRange;
    this.portRange = ranges.portRange;
    const ports = `${this.portRange.base}-${this.portRange.base + this.portRange.size - 1}`;
    this.ips = new StoredRange(backend, { key: SERVICE_IPS_KEY, range: this.ipRange.cidr, size: this.ipRange.size, minReserved: 16, maxReserved: 256 });
    this.ports = new StoredRange(backend, { key: SERVICE_NODE_PORTS_KEY, range: ports, size: this.portRange.size, minReserved: 16, maxReserved: 128 });
    this.leakGraceMs = options.leakGraceMs ?? 60_000;
  }

  /**
   * Marks what the stored Services hold as used; call once at start, before serving writes.
   * `listServices` is asked again after the grace period to release leaked values.
   */
  async rebuild(listServices: () => Promise<readonly KObject[]>): Promise<void> {
    const held = this.heldBy(await listServices());
    const leakedIps = await this.ips.load(held.ips);
    const leakedPorts = await this.ports.load(held.ports);
    this.loaded();
    if (leakedIps.length + leakedPorts.length === 0) return;
    this.leakTimer = setTimeout(() => {
      void (async () => {
        const now = this.heldBy(await listServices());
        for (const n of leakedIps) if (!now.ips.has(n)) await this.ips.release(n);
        for (const n of leakedPorts) if (!now.ports.has(n)) await this.ports.release(n);
      })().catch(() => {
        // Best effort: a failed repair leaves the values used until the next start.
      });
    }, this.leakGraceMs);
    this.leakTimer.unref();
  }

  close(): void {
    clearTimeout(this.leakTimer);
  }

  private heldBy(services: readonly KObject[]): { ips: Set<number>; ports: Set<number> } {
    const ips = new Set<number>();
    const ports = new Set<number>();
    for (const obj of services) {
      const svc = svcOf(obj);
      for (const ip of svc.spec?.clusterIPs ?? [svc.spec?.clusterIP ?? '']) {
        const off = this.ipRange.offsetOf(ip);
        if (off !== undefined) ips.add(off);
      }
      for (const p of nodePortsOf(svc)) {
        const off = p - this.portRange.base;
        if (off >= 0 && off < this.portRange.size) ports.add(off);
      }
    }
    return { ips, ports };
  }

  get freeIPs(): number {
    return this.ips.free;
  }

  hooks(): StoreHooks {
    return {
      beginCreate: async (obj, opts) => {
        await this.ready;
        const undo: Undo[] = [];
        await this.run(obj, undo, async () => {
          const svc = svcOf(obj);
          if (needsClusterIP(svc)) await this.allocateIPs(svc, undo);
          if (needsNodePorts(svc)) await this.allocateNodePorts(svc, new Set(), undo);
          if (needsHealthCheckNodePort(svc)) await this.allocateHealthCheck(svc, undefined, undo);
        });
        return async (ok) => {
          if (!ok || opts.dryRun) await undoAll(undo);
        };
      },
      beginUpdate: async (obj, old, opts) => {
        await this.ready;
        const undo: Undo[] = [];
        const releaseOnSuccess: Undo[] = [];
        await this.run(obj, undo, () => this.update(svcOf(obj), svcOf(old), undo, releaseOnSuccess));
        return async (ok) => {
          if (!ok || opts.dryRun) await undoAll(undo);
          else for (const r of releaseOnSuccess) await r();
        };
      },
      afterDelete: async (obj) => {
        const svc = svcOf(obj);
        for (const ip of svc.spec?.clusterIPs ?? [svc.spec?.clusterIP ?? '']) await this.releaseIP(ip);
        for (const p of nodePortsOf(svc)) await this.releasePort(p);
      },
    };
  }

  /** Runs `fn`, turning FieldErrors into one Invalid error after undoing partial allocations. */
  private async run(obj: KObject, undo: Undo[], fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      await undoAll(undo);
      if (e instanceof FieldError) throw invalid('', 'Service', obj.metadata?.name ?? '', [e]);
      throw e;
    }
  }

  private async releaseIP(ip: string): Promise<void> {
    const off = this.ipRange.offsetOf(ip);
    if (off !== undefined) await this.ips.release(off);
  }

  private async releasePort(port: number): Promise<void> {
    const off = port - this.portRange.base;
    if (off >= 0 && off < this.portRange.size) await this.ports.release(off);
  }

  private async allocateIPs(svc: Service, undo: Undo[]): Promise<void> {
    const spec = specOf(svc);
    const requested = spec.clusterIPs?.[0] ?? spec.clusterIP ?? '';
    if (requested === HEADLESS) {
      spec.clusterIP = HEADLESS;
      spec.clusterIPs = [HEADLESS];
    } else if (requested === '') {
      const off = await this.ips.allocateNext();
      if (off === undefined) throw internalError('failed to allocate a serviceIP: range is full');
      undo.push(() => this.ips.release(off));
      spec.clusterIP = this.ipRange.ipAt(off);
      spec.clusterIPs = [spec.clusterIP];
    } else if (isIPv4(requested)) {
      // Malformed addresses are left to validation, which words them as upstream does.
      const value = new GoValue(`[]string{${(spec.clusterIPs ?? [requested]).map((s) => JSON.stringify(s)).join(', ')}}`);
      const off = this.ipRange.offsetOf(requested);
      if (off === undefined) {
        throw fieldErrors.invalid(
          'spec.clusterIPs',
          value,
          `failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${this.ipRange.cidr}`,
        );
      }
      if (!(await this.ips.allocate(off)))
        throw fieldErrors.invalid('spec.clusterIPs', value, `failed to allocate IP ${requested}: provided IP is already allocated`);
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
  private async takePort(value: number | undefined, field: string, keep: Set<number>, undo: Undo[]): Promise<number> {
    if (value === undefined || value === 0) {
      const off = await this.ports.allocateNext();
      if (off === undefined) throw internalError('failed to allocate a nodePort: range is full');
      undo.push(() => this.ports.release(off));
      return this.portRange.base + off;
    }
    if (keep.has(value)) return value;
    const off = value - this.portRange.base;
    if (!Number.isInteger(value) || value < 1 || value > 65535) return value; // validation words it
    if (off < 0 || off >= this.portRange.size) {
      throw fieldErrors.invalid(
        field,
        value,
        `provided port is not in the valid range. The range of valid ports is ${this.portRange.base}-${this.portRange.base + this.portRange.size - 1}`,
      );
    }
    if (!(await this.ports.allocate(off))) throw fieldErrors.invalid(field, value, 'provided port is already allocated');
    undo.push(() => this.ports.release(off));
    return value;
  }

  private async allocateNodePorts(svc: Service, keep: Set<number>, undo: Undo[]): Promise<void> {
    // One service may use the same node port for several protocols (e.g. DNS on 53/TCP and 53/UDP).
    const mine = new Map<number, number>();
    for (const [i, port] of (specOf(svc).ports ?? []).entries()) {
      const p = port as ServicePort & { nodePort?: number };
      const field = `spec.ports[${i}].nodePort`;
      if (p.nodePort && mine.has(p.nodePort)) continue;
      const taken = await this.takePort(p.nodePort, field, keep, undo);
      mine.set(taken, i);
      p.nodePort = taken;
    }
  }

  private async allocateHealthCheck(svc: Service, keep: number | undefined, undo: Undo[]): Promise<void> {
    const spec = specOf(svc);
    spec.healthCheckNodePort = await this.takePort(spec.healthCheckNodePort, 'spec.healthCheckNodePort', new Set(keep ? [keep] : []), undo);
  }

  private async update(svc: Service, old: Service, undo: Undo[], releaseOnSuccess: Undo[]): Promise<void> {
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
      await this.allocateIPs(svc, undo);
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
      await this.allocateNodePorts(svc, oldPorts, undo);
    } else if (oldPorts.size > 0) {
      // Type change away from NodePort: upstream drops the ports it allocated.
      for (const p of spec.ports ?? []) {
        const w = p as ServicePort & { nodePort?: number };
        const prev = (oldSpec.ports ?? []).find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        if (w.nodePort && prev?.nodePort === w.nodePort) delete w.nodePort;
      }
    }
    const newPorts = new Set(needsNodePorts(svc) ? (spec.ports ?? []).map((p) => p.nodePort ?? 0).filter(Boolean) : []);
    for (const p of oldPorts) if (!newPorts.has(p)) releaseOnSuccess.push(() => this.releasePort(p));
    const oldHc = oldSpec.healthCheckNodePort;
    if (needsHealthCheckNodePort(svc)) {
      if (!spec.healthCheckNodePort && oldHc && needsHealthCheckNodePort(old)) spec.healthCheckNodePort = oldHc;
      await this.allocateHealthCheck(svc, needsHealthCheckNodePort(old) ? oldHc : undefined, undo);
    } else if (oldHc) {
      if (spec.healthCheckNodePort === oldHc) delete spec.healthCheckNodePort;
    }
    if (oldHc && spec.healthCheckNodePort !== oldHc && !newPorts.has(oldHc)) releaseOnSuccess.push(() => this.releasePort(oldHc));
  }
}

/** Every node port a stored Service holds (ports and the health-check port). */
export function nodePortsOf(svc: Service): number[] {
  const out = (svc.spec?.ports ?? []).map((p) => p.nodePort ?? 0).filter((p) => p > 0);
  if (svc.spec?.healthCheckNodePort) out.push(svc.spec.healthCheckNodePort);
  return [...new Set(out)];
}
