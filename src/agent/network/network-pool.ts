import { randomBytes } from 'node:crypto';
import type { PodNetwork, PodNetworkStatus } from './cni.ts';
import { DEFAULT_SHM_BYTES } from './netns.ts';

export interface NetworkPoolOptions {
  network: PodNetwork;
  /** How many pre-wired networks to keep ready; 0 turns the pool off. */
  size: number;
  /**
   * How long after a take() the refill waits while networks are left (default 1 s): the pod that
   * took one is creating its containers, and wiring another network (CNI ADD: three or four
   * processes) beside it would compete with it for the CPU. An empty pool refills at once.
   */
  refillDelayMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Pool networks are named `pool-<hex>`: netns file, CNI container id and IPAM lease owner. */
export const POOL_PREFIX = 'pool-';

const DEFAULT_REFILL_DELAY_MS = 1000;

/**
 * A few pod networks wired ahead of time (netns, loopback, bridge veth and an IP from host-local,
 * with the IPC and UTS namespaces and /dev/shm a pod also shares), so a new pod's sandbox takes one
 * at once instead of waiting for the CNI plugins and three processes. A taken network
 * keeps its pool id for good: the sandbox records it (`Sandbox.networkId`) and tears it down by it.
 *
 * Lifecycle: fill() after the agent's start-up sweep; take() hands out a ready network and starts
 * a refill (one network at a time, in the background) a moment later; closeSync() at agent shutdown tears the
 * ready ones down. A network still being wired when the pool closes tears itself down when its ADD
 * returns; if the process is gone by then (or crashed with a full pool), the next start's sweep
 * removes it, since no sandbox names it (src/agent/agent-sweep.ts).
 */
export class NetworkPool {
  readonly #ready: PodNetworkStatus[] = [];
  #wiring = 0;
  #closed = false;
  #filling: Promise<void> | undefined;
  #refillTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: NetworkPoolOptions) {}

  /** A ready network, now owned by the caller, or undefined (the caller wires its own). */
  take(): PodNetworkStatus | undefined {
    const net = this.#ready.shift();
    if (net) this.#refillSoon();
    return net;
  }

  #refillSoon(): void {
    if (this.#ready.length === 0) {
      this.fill();
      return;
    }
    if (this.#refillTimer) return;
    this.#refillTimer = setTimeout(() => {
      this.#refillTimer = undefined;
      this.fill();
    }, this.opts.refillDelayMs ?? DEFAULT_REFILL_DELAY_MS);
    this.#refillTimer.unref();
  }

  /** Starts topping the pool up unless it is full, closed or already filling. */
  fill(): void {
    if (this.#closed || this.#filling) return;
    this.#filling = this.#fillLoop().finally(() => (this.#filling = undefined));
  }

  /** Resolves when no refill is running (tests). */
  async settled(): Promise<void> {
    while (this.#filling) await this.#filling;
  }

  get readyCount(): number {
    return this.#ready.length;
  }

  /** Stops refills and tears down every ready network, synchronously. Idempotent. */
  closeSync(): void {
    this.#closed = true;
    clearTimeout(this.#refillTimer);
    for (const net of this.#ready.splice(0)) {
      try {
        this.opts.network.tearDownSync(net.id);
      } catch (e) {
        this.opts.log?.('agent: network pool teardown failed', { network: net.id, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  async #fillLoop(): Promise<void> {
    while (!this.#closed && this.#ready.length + this.#wiring < this.opts.size) {
      const id = `${POOL_PREFIX}${randomBytes(6).toString('hex')}`;
      this.#wiring++;
      try {
        const net = await this.#wire(id);
        if (this.#closed) await this.opts.network.tearDown(id);
        else this.#ready.push(net);
      } catch (e) {
        // setUp undid its part; the next take() tries again, and pods wire their own meanwhile.
        this.opts.log?.('agent: network pool: wiring a network failed', { error: e instanceof Error ? e.message : String(e) });
        return;
      } finally {
        this.#wiring--;
      }
    }
  }

  /** A network with its pod's other shared namespaces and /dev/shm made too; all or nothing. */
  async #wire(id: string): Promise<PodNetworkStatus> {
    const net = await this.opts.network.setUp(id);
    try {
      return { ...net, shared: await this.opts.network.prepareShared(id, DEFAULT_SHM_BYTES) };
    } catch (e) {
      await this.opts.network.tearDown(id).catch(() => undefined);
      throw e;
    }
  }
}
