// Parses a request path with Kubernetes' path grammar into what is being asked for:
//   /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}[/{rest...}]]]
//   /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}[/{rest...}]]]
// `/api/v1/namespaces/{name}` itself is the namespaces resource (cluster-scoped), as upstream.

export interface ResourceRequest {
  readonly kind: 'resource';
  readonly group: string;
  readonly version: string;
  readonly namespace: string | undefined;
  readonly resource: string;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  /** Remaining path after the subresource (pods/x/proxy/<rest>). */
  readonly rest: string;
}

export interface GroupRequest {
  readonly kind: 'group';
  /** '/api', '/api/v1', '/apis', '/apis/<g>', '/apis/<g>/<v>' */
  readonly group: string | undefined;
  readonly version: string | undefined;
  readonly legacy: boolean;
}

export type RequestInfo = ResourceRequest | GroupRequest | { readonly kind: 'other'; readonly path: string };

/** Thrown for a path with a malformed %-escape or a `.`/`..` segment (answered 400/404). */
export class BadPathError extends Error {}

export function parseRequestPath(pathname: string): RequestInfo {
  let parts: string[];
  try {
    parts = pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
  } catch {
    throw new BadPathError(`invalid URL escape in ${JSON.stringify(pathname.slice(0, 200))}`);
  }
  // Dot segments never name an object; refusing them keeps `configmaps/%2e%2e` from meaning the
  // namespace above it.
  if (parts.some((p) => p === '.' || p === '..')) throw new BadPathError('path may not contain "." or ".." segments');
  let group: string;
  let version: string | undefined;
  let i: number;
  if (parts[0] === 'api') {
    group = '';
    version = parts[1];
    i = 2;
    if (!version) return { kind: 'group', group: undefined, version: undefined, legacy: true };
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'group', group: undefined, version: undefined, legacy: false };
    group = parts[1] ?? '';
    version = parts[2];
    i = 3;
    if (!version) return { kind: 'group', group, version: undefined, legacy: false };
  } else {
    return { kind: 'other', path: pathname };
  }
  if (parts.length === i) return { kind: 'group', group, version, legacy: group === '' };

  let namespace: string | undefined;
  let rest = parts.slice(i);
  // namespaces/{name}/status and namespaces/{name}/finalize are subresources of the namespace
  // itself, not a resource inside it (upstream's special case).
  const namespaceSubresource = rest[0] === 'namespaces' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...tail] = rest;
  if (!resource) return { kind: 'other', path: pathname };
  return {
    kind: 'resource',
    group,
    version,
    namespace,
    resource,
    name,
    subresource,
    rest: tail.join('/'),
  };
}
