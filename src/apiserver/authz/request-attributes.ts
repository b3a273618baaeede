// Authorization attributes of an HTTP request (upstream's RequestInfoFactory): resource requests
// get verb/group/resource/subresource/namespace/name; everything else is a non-resource path whose
// verb is the lower-cased HTTP method.
import type { UserInfo } from '../auth/tokens.ts';
import type { RequestInfo } from '../http/request-info.ts';
import type { Attributes } from './attributes.ts';

const STREAM_CREATE = new Set(['exec', 'attach', 'portforward']);

export function requestAttributes(user: UserInfo, method: string, info: RequestInfo, path: string, watch: boolean, upgrade = false): Attributes {
  if (info.kind !== 'resource') return { user, resourceRequest: false, verb: method.toLowerCase(), path };
  let verb: string;
  if (upgrade && info.subresource && STREAM_CREATE.has(info.subresource)) verb = 'create';
  else if (method === 'GET' || method === 'HEAD') verb = watch ? 'watch' : info.name ? 'get' : 'list';
  else if (method === 'POST') verb = 'create';
  else if (method === 'PUT') verb = 'update';
  else if (method === 'PATCH') verb = 'patch';
  else if (method === 'DELETE') verb = info.name ? 'delete' : 'deletecollection';
  else verb = method.toLowerCase();
  // `/api/v1/namespaces/x` is the namespace x, in the namespace x (upstream's special case).
  const namespace = info.group === '' && info.resource === 'namespaces' && info.name ? info.name : info.namespace;
  return {
    user,
    verb,
    resourceRequest: true,
    namespace,
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
  };
}
