/**
 * Image references parsed the way Docker (distribution/reference) does: `nginx` is
 * `docker.io/library/nginx:latest`, `host:port/team/app@sha256:...` keeps its digest, and anything
 * else is an InvalidImageNameError carrying Docker's wording ("invalid reference format").
 */
export const DEFAULT_REGISTRY = 'docker.io';

export interface ImageRef {
  /** Registry host[:port], `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path inside the registry (`library/nginx`). */
  repository: string;
  tag?: string;
  digest?: string;
}

export class InvalidImageNameError extends Error {
  override name = 'InvalidImageNameError';
  constructor(
    readonly reference: string,
    reason = 'invalid reference format',
  ) {
    super(`couldn't parse image name "${reference}": ${reason}`);
  }
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const MAX_NAME = 255;

/** Parses and normalises a reference; a reference with neither tag nor digest gets `latest`. */
export function parseImageRef(input: string): ImageRef {
  const ref = parseRaw(input);
  return ref.tag || ref.digest ? ref : { ...ref, tag: 'latest' };
}

function parseRaw(input: string): ImageRef {
  const bad = (reason?: string): never => {
    throw new InvalidImageNameError(input, reason);
  };
  if (input === '' || input !== input.trim()) bad();
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) bad();
    if (digest.startsWith('sha256:') && !/^sha256:[a-f0-9]{64}$/.test(digest)) bad('invalid checksum digest format');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad();
  }
  if (rest.length > MAX_NAME) bad('repository name must not be more than 255 characters');
  let registry = DEFAULT_REGISTRY;
  let path = rest;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first)) {
    registry = first;
    path = rest.slice(slash + 1);
    if (!DOMAIN.test(registry)) bad();
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && !path.includes('/')) path = `library/${path}`;
  if (path.toLowerCase() !== path && path.split('/').every((c) => PATH_COMPONENT.test(c.toLowerCase()))) {
    bad(`repository name (${path}) must be lowercase`);
  }
  if (!path.split('/').every((c) => PATH_COMPONENT.test(c))) bad();
  return { registry, repository: path, tag, digest };
}

/** `docker.io/library/nginx:latest`, `127.0.0.1:5000/team/web@sha256:...`. */
export function canonicalRef(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The repository with its registry (`docker.io/library/nginx`), the part before a tag/digest. */
export function canonicalRepository(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Docker's short form: `nginx:latest`, `me/app:v1`, `127.0.0.1:5000/team/web:1.0`. */
export function familiarRef(ref: ImageRef): string {
  return canonicalRef(ref).replace(/^docker\.io\/(?:library\/(?=[^/]+$|[^/]+[:@]))?/, '');
}

/** `familiarRef` of the repository alone. */
export function familiarRepository(ref: ImageRef): string {
  return familiarRef({ registry: ref.registry, repository: ref.repository });
}
