// Reading and decoding request bodies: size-limited (413 over the limit), JSON or YAML by
// Content-Type, and a 400 with upstream-like wording when the body does not parse.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest, requestEntityTooLarge, unsupportedMediaType } from '../errors.ts';
import { decodeProtobufBody, PROTOBUF_MEDIA_TYPE } from '../protobuf/index.ts';
import { readAll, StreamTooLargeError } from '../../util/index.ts';

/** Upstream's default max request body size for most writes (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** The body each request was read with, for the audit log (level Request). */
export const requestBodies = new WeakMap<IncomingMessage, Buffer>();

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    throw requestEntityTooLarge(limit);
  }
  let body: Buffer;
  try {
    body = await readAll(req, limit);
  } catch (error) {
    if (error instanceof StreamTooLargeError) throw requestEntityTooLarge(limit);
    throw error;
  }
  requestBodies.set(req, body);
  return body;
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
}

export interface DecodeBodyOptions {
  /**
   * Kind of the object the request writes (create/update). A JSON body that does not parse then
   * gets upstream's transformDecodeError wording: `the object provided is unrecognized (must be of
   * type Namespace): couldn't get version/kind; json parse error: ... (<first 30 bytes>)`.
   */
  into?: string;
}

/** Decodes a body as JSON (YAML for YAML content types and apply patches; protobuf for built-in kinds). */
/**
 * Deepest nesting a decoded body may have. Upstream's JSON decoder stops at 10,000; our handlers
 * (patch, managed fields, validation) recurse, so we stop far earlier, at a depth no real object has.
 */
export const MAX_BODY_DEPTH = 500;

export function decodeBody(buf: Buffer, contentType: string | undefined, options: DecodeBodyOptions = {}): unknown {
  const value = decodeBodyValue(buf, contentType, options);
  if (depthExceeds(value, MAX_BODY_DEPTH)) throw badRequest("couldn't get version/kind; json parse error: exceeded max depth");
  return value;
}

/** Iterative, so a hostile body cannot overflow the stack here. */
function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return false;
}

function decodeBodyValue(buf: Buffer, contentType: string | undefined, options: DecodeBodyOptions): unknown {
  const type = mediaType(contentType);
  if (type === PROTOBUF_MEDIA_TYPE) return decodeProtobufBody(buf);
  const text = buf.toString('utf8');
  if (text.trim() === '') throw badRequest('the body of the request was empty');
  const yamlTypes = ['application/yaml', 'application/x-yaml', 'text/yaml', 'application/apply-patch+yaml'];
  if (yamlTypes.includes(type)) {
    try {
      return parseYaml(text, { maxAliasCount: 100 });
    } catch (e) {
      throw badRequest(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const jsonTypes = ['application/json', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', '*/*', ''];
  if (!jsonTypes.includes(type)) throw unsupportedMediaType(type);
  try {
    return JSON.parse(text);
  } catch (e) {
    const cause = `couldn't get version/kind; json parse error: ${goJsonError(text, e as Error)}`;
    if (options.into === undefined) throw badRequest(cause);
    throw badRequest(`the object provided is unrecognized (must be of type ${options.into}): ${cause} (${summarizeBody(buf)})`);
  }
}

/** Go's encoding/json wording for the common syntax errors; JavaScript's message otherwise. */
function goJsonError(text: string, e: Error): string {
  const first = text.trimStart()[0];
  if (first === undefined) return 'unexpected end of JSON input';
  if (!/[{["\-0-9tfn]/.test(first)) return `invalid character '${first}' looking for beginning of value`;
  if (/end of (JSON )?input|Unterminated/i.test(e.message)) return 'unexpected end of JSON input';
  return e.message;
}

/** Upstream's summarizeData(body, 30): JSON-looking bodies as text, anything else as hex. */
function summarizeBody(buf: Buffer): string {
  const max = 30;
  if (buf.length === 0) return '<empty>';
  const more = buf.length > max ? ' ...' : '';
  const head = buf.subarray(0, max);
  return buf[0] === 0x7b ? `${head.toString('utf8')}${more}` : `${head.toString('hex')}${more}`;
}
