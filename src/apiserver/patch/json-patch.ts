// RFC 6902 JSON patch (add, remove, replace, move, copy, test) over plain JSON values. Own
// implementation rather than fast-json-patch so that failures carry messages in the wording of
// the Go library upstream uses (evanphx/json-patch), which kubectl prints verbatim.
import { PatchError } from './patch-error.ts';
import { deepEqual, isObject, getField, type Json, type JsonObject } from './json.ts';

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: Json }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; path: string; from: string };

/** Applies `ops` (the parsed request body) to a copy of `doc`. Throws PatchError. */
export function applyJsonPatch(doc: Json, ops: Json): Json {
  const parsed = parseOperations(ops);
  let root: Json = structuredClone(doc);
  for (const op of parsed) root = applyOne(root, op);
  return root;
}

function parseOperations(ops: Json): JsonPatchOperation[] {
  if (!Array.isArray(ops)) {
    throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch', 400);
  }
  return ops.map((raw) => {
    if (!isObject(raw)) throw new PatchError('json: cannot unmarshal operation: not an object', 400);
    const op = getField(raw, 'op');
    const path = getField(raw, 'path');
    if (typeof path !== 'string') throw new PatchError(`${String(op)} operation missing path`, 400);
    switch (op) {
      case 'add':
      case 'replace':
      case 'test': {
        const value = getField(raw, 'value');
        if (value === undefined) throw new PatchError(`${op} operation missing value`, 400);
        return { op, path, value };
      }
      case 'remove':
        return { op, path };
      case 'move':
      case 'copy': {
        const from = getField(raw, 'from');
        if (typeof from !== 'string') throw new PatchError(`${op} operation missing from`, 400);
        return { op, path, from };
      }
      default:
        throw new PatchError(`Unexpected kind: ${String(op)}`, 400);
    }
  });
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer: "${path}"`, 400);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(token: string, length: number, forInsert: boolean): number | undefined {
  if (forInsert && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const i = Number(token);
  return i < length || (forInsert && i === length) ? i : undefined;
}

/** The container holding the last token of `path`, or a thrown "missing path". */
function parentOf(root: Json, tokens: string[], opName: string, path: string): Json[] | JsonObject {
  let cur: Json = root;
  for (const t of tokens.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(cur) ? cur[arrayIndex(t, cur.length, false) ?? -1] : isObject(cur) ? getField(cur, t) : undefined;
    if (next === undefined) missing(opName, path);
    cur = next;
  }
  if (!Array.isArray(cur) && !isObject(cur)) missing(opName, path);
  return cur;
}

function missing(opName: string, path: string): never {
  throw new PatchError(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
}

function get(root: Json, path: string, opName: string): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return root;
  const parent = parentOf(root, tokens, opName, path);
  const last = tokens[tokens.length - 1] as string;
  const v = Array.isArray(parent) ? parent[arrayIndex(last, parent.length, false) ?? -1] : getField(parent, last);
  if (v === undefined) missing(opName, path);
  return v;
}

function add(root: Json, path: string, value: Json, opName: string): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const parent = parentOf(root, tokens, opName, path);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, true);
    if (i === undefined) throw new PatchError(`${opName} operation does not apply: index out of range: "${path}"`);
    parent.splice(i, 0, value);
  } else {
    parent[last] = value;
  }
  return root;
}

function remove(root: Json, path: string, opName: string): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) throw new PatchError(`${opName} operation does not apply: cannot remove the document root`);
  const parent = parentOf(root, tokens, opName, path);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false);
    if (i === undefined) throw new PatchError(`Unable to remove nonexistent key: ${last}: missing value`);
    parent.splice(i, 1);
  } else {
    if (!Object.hasOwn(parent, last)) throw new PatchError(`Unable to remove nonexistent key: ${last}: missing value`);
    delete parent[last];
  }
  return root;
}

function applyOne(root: Json, op: JsonPatchOperation): Json {
  switch (op.op) {
    case 'add':
      return add(root, op.path, structuredClone(op.value), 'add');
    case 'remove':
      return remove(root, op.path, 'remove');
    case 'replace': {
      get(root, op.path, 'replace');
      if (op.path === '') return structuredClone(op.value);
      return add(remove(root, op.path, 'replace'), op.path, structuredClone(op.value), 'replace');
    }
    case 'move': {
      if (op.path.startsWith(op.from + '/')) {
        throw new PatchError(`move operation does not apply: "${op.from}" is a prefix of "${op.path}"`);
      }
      const v = get(root, op.from, 'move');
      return add(remove(root, op.from, 'move'), op.path, v, 'move');
    }
    case 'copy':
      return add(root, op.path, structuredClone(get(root, op.from, 'copy')), 'copy');
    case 'test': {
      const actual = get(root, op.path, 'test');
      if (!deepEqual(actual, op.value)) throw new PatchError(`testing value ${op.path} failed: test failed`);
      return root;
    }
  }
}
