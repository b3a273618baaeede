// What `peapod server` runs beside the API server: the scheduler, the controller manager and an
// embedded node agent are each a Component. They get a client of the API (never storage) and an
// AbortSignal that ends them; a component that fails to start fails the server start.
import type { Client, SharedInformers } from '../client/index.ts';

export interface ComponentContext {
  /** A client authenticated to the API server as the component's identity. */
  readonly client: Client;
  /** Creates another client (e.g. with its own connection pool or user agent). */
  newClient(userAgent: string): Client;
  /**
   * The server's shared informers: components that watch the same collection (the scheduler and
   * the controller manager both watch every pod) share one list, one watch and one cache. Take a
   * factory with `informers.forUser(ctx.signal)`; its handlers end with the component.
   */
  readonly informers: SharedInformers;
  readonly signal: AbortSignal;
  readonly dataDir: string;
  /** `token` is the node join token (agents authenticate the server's streaming calls with it). */
  readonly server: { readonly url: string; readonly caPem: string; readonly token: string };
  readonly log: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface Component {
  readonly name: string;
  /** The user (client-certificate CN) and groups (O) the component acts as; upstream's system identities. */
  readonly identity?: { readonly user: string; readonly groups: readonly string[] };
  /** Starts the component; resolves once it runs. It stops when ctx.signal aborts. */
  start(ctx: ComponentContext): Promise<void>;
  /**
   * Optional: resolves once the component finished what it does after ctx.signal aborted (a
   * leader hands its Lease back). The server waits for it, briefly, before closing the API.
   */
  stopped?(): Promise<void>;
}
