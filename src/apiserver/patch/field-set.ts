// Sets of field paths as server-side apply records them in metadata.managedFields (FieldsV1).
// A path is a list of elements in the FieldsV1 spelling: `f:<field>`, `k:{"name":"c"}` (an item
// of a map-list, by its key fields), `v:<json>` (an item of a set-list), `i:<n>` (by index).
import { isObject, type Json, type JsonObject } from './json.ts';
import { byteOrder } from '../../util/index.ts';

export type FieldPath = readonly string[];

export class FieldSet {
  private readonly members = new Set<string>();

  static of(paths: Iterable<FieldPath>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.add(p);
    return s;
  }

  add(path: FieldPath): void {
    this.members.add(JSON.stringify(path));
  }
  has(path: FieldPath): boolean {
    return this.members.has(JSON.stringify(path));
  }
  get size(): number {
    return this.members.size;
  }
  paths(): FieldPath[] {
    return [...this.members].map((m) => JSON.parse(m) as string[]);
  }
  union(other: FieldSet): FieldSet {
    return FieldSet.of([...this.paths(), ...other.paths()]);
  }
  difference(other: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => !other.has(p)));
  }
  intersection(other: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => other.has(p)));
  }
  /** Whether some member lies strictly below `path`. */
  hasDescendant(path: FieldPath): boolean {
    return this.paths().some((p) => p.length > path.length && path.every((e, i) => p[i] === e));
  }
  /** Drops members equal to or below any of `prefixes`. */
  without(prefixes: FieldPath[]): FieldSet {
    return FieldSet.of(this.paths().filter((p) => !prefixes.some((q) => q.length <= p.length && q.every((e, i) => p[i] === e))));
  }
  equals(other: FieldSet): boolean {
    return this.size === other.size && this.paths().every((p) => other.has(p));
  }

  /** The FieldsV1 tree: `.` marks a member that also has members below it. */
  toFieldsV1(): JsonObject {
    const root: JsonObject = {};
    for (const p of this.paths()) {
      let node = root;
      for (const e of p) {
        const next = node[e];
        node = isObject(next) ? next : (node[e] = {});
      }
    }
    for (const p of this.paths()) {
      let node = root;
      for (const e of p) node = node[e] as JsonObject;
      if (Object.keys(node).length > 0) node['.'] = {};
    }
    return sortTree(root);
  }

  static fromFieldsV1(tree: Json | undefined): FieldSet {
    const s = new FieldSet();
    const walk = (node: Json, path: string[]): void => {
      if (!isObject(node)) return;
      const keys = Object.keys(node);
      if (path.length > 0 && (keys.length === 0 || keys.includes('.'))) s.add(path);
      for (const k of keys) if (k !== '.') walk(node[k] as Json, [...path, k]);
    };
    walk(tree ?? {}, []);
    return s;
  }
}

const KIND_ORDER = 'fkvi';

function sortTree(node: JsonObject): JsonObject {
  const rank = (k: string): number => (k === '.' ? -1 : KIND_ORDER.indexOf(k[0] ?? ''));
  const out: JsonObject = {};
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || byteOrder(a, b));
  for (const k of keys) out[k] = sortTree(node[k] as JsonObject);
  return out;
}

/** Upstream's fieldpath.Path string, as shown in conflicts: `.spec.containers[name="c"].image`. */
export function pathToString(path: FieldPath): string {
  return path
    .map((e) => {
      const body = e.slice(2);
      switch (e[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as JsonObject;
          return `[${Object.keys(key)
            .sort()
            .map((k) => `${k}=${JSON.stringify(key[k])}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        case 'i':
          return `[${body}]`;
        default:
          return e;
      }
    })
    .join('');
}
