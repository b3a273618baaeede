// What request handlers share: the registry of resources with their stores, the watch cache, the
// OpenAPI schema set and the clock (ApiContext, built once by server.ts), and what one resource
// request carries through the handlers (RequestScope). Handlers import this file; it imports no
// handler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StrategyContext } from './registry/types.ts';
import type { WatchCache } from './watch/watch-cache.ts';
import type { AdmissionReads } from './admission-reads.ts';
import type { SchemaNavigator } from './openapi/navigator.ts';
import type { ResourceHandle, ResourceRegistry } from './resource-registry.ts';
import type { ResourceRequest } from './http/request-info.ts';
import type { Query } from './http/query.ts';
import type { UserInfo } from './auth/tokens.ts';

export type { ResourceHandle } from './resource-registry.ts';

export interface SchemaTools {
  readonly navigator: SchemaNavigator;
  /** Dotted paths of fields the schema does not know (for strict field validation). */
  unknownFields(schema: string, obj: unknown): string[];
}

export interface WatchTuning {
  /** Watches without timeoutSeconds end after this many seconds times (1 + random), as upstream. */
  readonly minRequestTimeoutSeconds: number;
  readonly bookmarkIntervalMs: number;
}

export interface ApiContext {
  readonly clock: StrategyContext;
  readonly watchTuning: WatchTuning;
  /**
   * Open watch streams (for metrics): the total, and per resource keyed by longRunningKey() (the
   * labels of apiserver_longrunning_requests).
   */
  readonly watchers: { count: number; readonly byResource: Map<string, number> };
  readonly watchCache: WatchCache;
  /** The namespace, LimitRanges, ResourceQuotas and PriorityClasses, as admission reads them (from memory). */
  readonly admissionReads: AdmissionReads;
  readonly schemas: SchemaTools;
  /** Looks a resource up by group, version and plural name. */
  resource(group: string, version: string, resource: string): ResourceHandle | undefined;
  /** The handle for a group/resource (any served version). */
  byGroupResource(group: string, resource: string): ResourceHandle | undefined;
  readonly resources: readonly ResourceHandle[];
  /** The served set, observable (custom resources come and go at run time). */
  readonly registry: ResourceRegistry;
  /** Subresource handlers beyond the built-in ones, keyed `<group>/<resource>/<subresource>`. */
  readonly subresources: ReadonlyMap<string, (scope: RequestScope) => Promise<void>>;
  /**
   * Resources served by their own handler instead of the generic store, keyed
   * `<group>/<version>/<resource>`: APIs computed on request, as an aggregated API server's
   * (metrics.k8s.io). Called after authorization and the entry's verb check.
   */
  readonly resourceHandlers: ReadonlyMap<string, (scope: RequestScope) => Promise<void>>;
}

/** One request for a resource (or its subresource), as every resource handler receives it. */
export interface RequestScope {
  readonly ctx: ApiContext;
  readonly handle: ResourceHandle;
  readonly info: ResourceRequest;
  readonly query: Query;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The user the request acts as (after impersonation). */
  readonly user: UserInfo;
}
