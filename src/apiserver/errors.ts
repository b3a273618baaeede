// Every API failure is one ApiError carrying a metav1.Status, made by the factories below whose
// messages follow upstream apimachinery (k8s.io/apimachinery/pkg/api/errors) wording, because
// kubectl prints them verbatim as `Error from server (<Reason>): <message>`.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  readonly status: Status;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    };
  }
  get code(): number {
    return this.status.code;
  }
}

/** Identifies a resource in messages: `pods`, or `deployments.apps` for a named group. */
export interface ResourceRef {
  group: string;
  resource: string;
}

export function qualified(ref: ResourceRef): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

function details(ref: ResourceRef, name: string, extra?: Partial<StatusDetails>): StatusDetails {
  return { name, ...(ref.group ? { group: ref.group } : {}), kind: ref.resource, ...extra };
}

export function notFound(ref: ResourceRef, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(ref)} "${name}" not found`, details(ref, name));
}

export function alreadyExists(ref: ResourceRef, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(ref)} "${name}" already exists`, details(ref, name));
}

export function conflict(ref: ResourceRef, name: string, why?: string): ApiError {
  const reason = why ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(ref)} "${name}": ${reason}`, details(ref, name));
}

/** 422 Invalid. `kind` is the Kind (e.g. `Pod`), as upstream uses it in this message. */
export function invalid(group: string, kind: string, name: string, causes: FieldError[]): ApiError {
  const list = causes.map((c) => c.toString());
  // Upstream names grouped kinds with their group: `Deployment.apps "x" is invalid`.
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const message =
    list.length === 0
      ? `${qualifiedKind} "${name}" is invalid`
      : list.length === 1
        ? `${qualifiedKind} "${name}" is invalid: ${list[0]}`
        : `${qualifiedKind} "${name}" is invalid: [${list.join(', ')}]`;
  return new ApiError(422, 'Invalid', message, {
    name,
    ...(group ? { group } : {}),
    kind,
    causes: causes.map((c) => ({ reason: c.type, message: c.detailMessage(), field: c.field })),
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function unauthorized(message = 'Unauthorized'): ApiError {
  return new ApiError(401, 'Unauthorized', message);
}

export function forbidden(message: string): ApiError {
  return new ApiError(403, 'Forbidden', message);
}

export function methodNotAllowed(message = 'the server does not allow this method on the requested resource'): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message);
}

export function notAcceptable(message: string): ApiError {
  return new ApiError(406, 'NotAcceptable', message);
}

export function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`.replace(
      'unknown format',
      `unknown format (${contentType})`,
    ),
  );
}

export function requestEntityTooLarge(limit: number): ApiError {
  return new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function tooManyRequests(message: string, retryAfterSeconds?: number): ApiError {
  return new ApiError(429, 'TooManyRequests', message, retryAfterSeconds ? { retryAfterSeconds } : undefined);
}

export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}

export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

// ---- field errors (k8s.io/apimachinery/pkg/util/validation/field) ----

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueNotFound'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid';

const typeText: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueNotFound: 'Not found',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
};

export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly value: unknown,
    readonly detail: string,
  ) {}
  /** Upstream's ErrorBody: `Invalid value: "x": detail` / `Required value` / `Forbidden: detail`. */
  detailMessage(): string {
    const t = typeText[this.type];
    let s = t;
    const showValue =
      this.type === 'FieldValueNotFound' ||
      this.type === 'FieldValueInvalid' ||
      this.type === 'FieldValueNotSupported' ||
      this.type === 'FieldValueDuplicate' ||
      this.type === 'FieldValueTypeInvalid' ||
      this.type === 'FieldValueTooMany';
    if (showValue && this.value !== undefined) s += `: ${formatValue(this.value)}`;
    if (this.detail) s += `: ${this.detail}`;
    return s;
  }
  toString(): string {
    return `${this.field}: ${this.detailMessage()}`;
  }
}

/**
 * A field value printed as given: upstream formats some values with Go's %#v (`[]string{"a"}`,
 * struct literals), which no JSON rendering reproduces.
 */
export class GoValue {
  constructor(readonly text: string) {}
}

function formatValue(v: unknown): string {
  if (v instanceof GoValue) return v.text;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return JSON.stringify(v);
}

export const fieldErrors = {
  required: (field: string, detail = '') => new FieldError('FieldValueRequired', field, undefined, detail),
  notFound: (field: string, value: unknown) => new FieldError('FieldValueNotFound', field, value, ''),
  invalid: (field: string, value: unknown, detail: string) => new FieldError('FieldValueInvalid', field, value, detail),
  notSupported: (field: string, value: unknown, valid: string[]) =>
    new FieldError('FieldValueNotSupported', field, value, `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`),
  duplicate: (field: string, value: unknown) => new FieldError('FieldValueDuplicate', field, value, ''),
  forbidden: (field: string, detail: string) => new FieldError('FieldValueForbidden', field, undefined, detail),
  tooLong: (field: string, value: unknown, max: number) => new FieldError('FieldValueTooLong', field, value, `must have at most ${max} bytes`),
};
