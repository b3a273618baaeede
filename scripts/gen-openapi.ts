// Build step: derive OpenAPI v3 component schemas for the built-in Kubernetes kinds from the
// `.d.ts` files of kubernetes-models (and its @kubernetes-models/apimachinery dependency), then
// merge our hand-kept patch metadata on top. Output: generated/openapi-schemas.json (gitignored).
//
// The .d.ts files are read syntactically (no type checker), so this is fast and deterministic:
// files are visited in sorted order and every object is written with sorted keys.
// Why this source and what it cannot tell us (int32 vs int64, ...): shared/notes/openapi-schemas.md.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { PATCH_FACTS, SCHEMA_OVERRIDES } from '../src/apiserver/openapi/patch-facts.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MODELS = join(ROOT, 'node_modules/kubernetes-models');
const APIMACHINERY = join(ROOT, 'node_modules/@kubernetes-models/apimachinery');
const OUT = join(ROOT, 'generated/openapi-schemas.json');
const REF_PREFIX = '#/components/schemas/';

/** Groups whose Go package does not live under k8s.io/api. */
const SPECIAL_GROUPS: Record<string, string> = {
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'apiregistration.k8s.io': 'io.k8s.kube-aggregator.pkg.apis.apiregistration',
};

/** Our own wording for the TypeMeta fields, which the top-level kinds declare without a comment. */
const TYPE_META_TEXT = new Map([
  ['apiVersion', 'The versioned schema of this object (group/version, or just the version for the core group).'],
  ['kind', 'The REST resource this object represents, in CamelCase.'],
]);

/** Fields of JSONSchemaProps that are float64 upstream; every other TS `number` is an integer. */
const FLOAT_FIELDS = new Set(['maximum', 'minimum', 'multipleOf']);

/** Schemas that are type aliases of scalars in the .d.ts and have a dedicated upstream form. */
const SCALAR_FORMS: Record<string, Schema> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': { type: 'string', format: 'date-time' },
};

/** Empty interfaces that are JSON objects upstream (the rest, e.g. apiextensions JSON, are untyped). */
const OPAQUE_OBJECTS = new Set(['io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1', 'io.k8s.apimachinery.pkg.runtime.RawExtension']);

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) {
      if (entry !== '_schemas' && entry !== 'node_modules') walk(full, out);
    } else if (entry.endsWith('.d.ts') && entry !== 'index.d.ts') {
      out.push(full);
    }
  }
  return out;
}

/** Upstream schema name from a file's place in the package, e.g. apps/v1/Deployment.d.ts. */
function schemaNameFor(file: string): string | undefined {
  const base = (p: string) =>
    p
      .split(sep)
      .join('/')
      .replace(/\.d\.ts$/, '');
  if (file.startsWith(APIMACHINERY + sep)) {
    return 'io.k8s.apimachinery.pkg.' + base(relative(APIMACHINERY, file)).split('/').join('.');
  }
  const parts = base(relative(MODELS, file)).split('/');
  if (parts.length === 2 && parts[0] === 'v1') return `io.k8s.api.core.v1.${parts[1]}`;
  if (parts.length !== 3) return undefined;
  const [group = '', version, kind] = parts;
  const prefix = SPECIAL_GROUPS[group] ?? `io.k8s.api.${group.split('.')[0]}`;
  return `${prefix}.${version}.${kind}`;
}

/** The `IIoK8s...` alias the package exports for a schema name, used to cross-check the mapping. */
function aliasFor(name: string): string {
  return (
    'I' +
    name
      .split(/[.-]/)
      .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
      .join('')
  );
}

function docComment(node: ts.Node, text: string): string | undefined {
  const ranges = ts.getLeadingCommentRanges(text, node.pos) ?? [];
  const last = ranges.filter((r) => text.startsWith('/**', r.pos)).at(-1);
  if (!last) return undefined;
  const lines = text
    .slice(last.pos + 3, last.end - 2)
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, '').trimEnd())
    .filter((l) => !l.startsWith('@'));
  const body = lines.join('\n').trim();
  return body === '' ? undefined : body;
}

interface Parsed {
  name: string;
  file: ts.SourceFile;
  decl: ts.InterfaceDeclaration | ts.TypeAliasDeclaration;
}

function parseAll(): Parsed[] {
  const files = [...walk(MODELS), ...walk(APIMACHINERY)];
  const parsed: Parsed[] = [];
  for (const path of files) {
    const name = schemaNameFor(path);
    if (!name) continue;
    const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false);
    let local: string | undefined;
    for (const stmt of file.statements) {
      if (!ts.isExportDeclaration(stmt) || !stmt.exportClause || !ts.isNamedExports(stmt.exportClause)) continue;
      for (const el of stmt.exportClause.elements) {
        if (el.name.text === aliasFor(name)) local = (el.propertyName ?? el.name).text;
      }
    }
    if (!local) throw new Error(`${path}: no export alias ${aliasFor(name)}; naming rule is wrong`);
    const decl = file.statements.find(
      (s): s is ts.InterfaceDeclaration | ts.TypeAliasDeclaration => (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && s.name.text === local,
    );
    if (!decl) throw new Error(`${path}: declaration ${local} not found`);
    parsed.push({ name, file, decl });
  }
  return parsed;
}

function buildSchemas(parsed: Parsed[]): Record<string, Schema> {
  const byAlias = new Map(parsed.map((p) => [aliasFor(p.name), p.name]));
  const schemas: Record<string, Schema> = {};

  for (const { name, file, decl } of parsed) {
    const text = file.text;
    const self = decl.name.text;
    const refName = (id: string): string | undefined => (id === self ? name : byAlias.get(id));

    const typeSchema = (node: ts.TypeNode, field: string): Schema => {
      if (node.kind === ts.SyntaxKind.StringKeyword) return { type: 'string' };
      if (node.kind === ts.SyntaxKind.BooleanKeyword) return { type: 'boolean' };
      if (node.kind === ts.SyntaxKind.NumberKeyword) {
        return FLOAT_FIELDS.has(field) && name.includes('JSONSchemaProps') ? { type: 'number', format: 'double' } : { type: 'integer' };
      }
      if (ts.isArrayTypeNode(node)) return { type: 'array', items: typeSchema(node.elementType, field) };
      if (ts.isUnionTypeNode(node)) {
        const values = node.types.map((t) => (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : undefined));
        if (values.every((v): v is string => v !== undefined)) return { type: 'string', enum: values };
      }
      if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return { type: 'string' };
      if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
        const id = node.typeName.text;
        const arg = node.typeArguments?.[0];
        if (id === 'Array' && arg) return { type: 'array', items: typeSchema(arg, field) };
        const target = refName(id);
        if (target) return { $ref: REF_PREFIX + target };
      }
      if (ts.isTypeLiteralNode(node)) return objectSchema(node.members);
      throw new Error(`${file.fileName}: unsupported type ${ts.SyntaxKind[node.kind]} at ${field}`);
    };

    const objectSchema = (members: ts.NodeArray<ts.TypeElement>): Schema => {
      const properties: Record<string, Json> = {};
      const required: string[] = [];
      const out: Schema = { type: 'object' };
      for (const m of members) {
        if (ts.isIndexSignatureDeclaration(m) && m.type) {
          out.additionalProperties = typeSchema(m.type, '');
          continue;
        }
        if (!ts.isPropertySignature(m) || !m.type) continue;
        const key = ts.isStringLiteral(m.name) || ts.isIdentifier(m.name) ? m.name.text : m.name.getText(file);
        let prop = typeSchema(m.type, key);
        const description = docComment(m, text) ?? TYPE_META_TEXT.get(key);
        if (description) {
          // Upstream v3 form for a described reference: siblings of $ref are ignored, so wrap it.
          prop = prop.$ref ? { allOf: [prop], description } : { ...prop, description };
        }
        properties[key] = prop;
        if (!m.questionToken && key !== 'apiVersion' && key !== 'kind') required.push(key);
      }
      if (Object.keys(properties).length > 0) out.properties = properties;
      if (required.length > 0) out.required = required.sort();
      return out;
    };

    let schema: Schema;
    if (SCALAR_FORMS[name]) {
      schema = { ...SCALAR_FORMS[name] };
    } else if (ts.isInterfaceDeclaration(decl)) {
      schema = objectSchema(decl.members);
      if (decl.members.length === 0) {
        schema = OPAQUE_OBJECTS.has(name) ? { type: 'object' } : {};
        schema['x-kubernetes-preserve-unknown-fields'] = true;
      }
      const gvk = groupVersionKind(decl);
      if (gvk) schema['x-kubernetes-group-version-kind'] = [gvk];
    } else {
      schema = typeSchema(decl.type, '');
    }
    const description = docComment(decl, text);
    if (description) schema.description = description;
    schemas[name] = schema;
  }
  return schemas;
}

/** GVK from the literal `apiVersion`/`kind` members that top-level kinds declare. */
function groupVersionKind(decl: ts.InterfaceDeclaration): Schema | undefined {
  const literal = (key: string): string | undefined => {
    for (const m of decl.members) {
      if (!ts.isPropertySignature(m) || !m.type || !ts.isStringLiteral(m.name) || m.name.text !== key) continue;
      if (ts.isLiteralTypeNode(m.type) && ts.isStringLiteral(m.type.literal)) return m.type.literal.text;
    }
    return undefined;
  };
  const apiVersion = literal('apiVersion');
  const kind = literal('kind');
  if (!apiVersion || !kind) return undefined;
  const slash = apiVersion.lastIndexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    kind,
    version: apiVersion.slice(slash + 1),
  };
}

function applyPatchFacts(schemas: Record<string, Schema>): void {
  for (const [name, fields] of Object.entries(SCHEMA_OVERRIDES)) {
    for (const [field, replacement] of Object.entries(fields)) {
      const prop = propertyOf(schemas, name, field);
      Object.assign(prop, replacement);
    }
  }
  for (const fact of PATCH_FACTS) {
    for (const schemaName of fact.schemas) {
      for (const field of fact.fields) {
        const prop = propertyOf(schemas, schemaName, field);
        if (fact.strategy) prop['x-kubernetes-patch-strategy'] = fact.strategy;
        if (fact.mergeKey) prop['x-kubernetes-patch-merge-key'] = fact.mergeKey;
        if (fact.listType) prop['x-kubernetes-list-type'] = fact.listType;
        const mapKeys = fact.listMapKeys ?? (fact.listType === 'map' && fact.mergeKey ? [fact.mergeKey] : undefined);
        if (mapKeys) prop['x-kubernetes-list-map-keys'] = [...mapKeys];
      }
    }
  }
}

function propertyOf(schemas: Record<string, Schema>, name: string, field: string): Schema {
  const props = schemas[name]?.properties;
  const prop = props && typeof props === 'object' && !Array.isArray(props) ? props[field] : undefined;
  if (!prop || typeof prop !== 'object' || Array.isArray(prop)) {
    throw new Error(`patch facts: ${name}.${field} does not exist in the generated schemas`);
  }
  return prop;
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key] ?? null);
    return out;
  }
  return value;
}

const started = performance.now();
const schemas = buildSchemas(parseAll());
applyPatchFacts(schemas);
const body = JSON.stringify(sortKeys({ schemas }));
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, body + '\n');
const withGvk = Object.values(schemas).filter((s) => s['x-kubernetes-group-version-kind']).length;
console.log(
  `gen-openapi: ${Object.keys(schemas).length} schemas (${withGvk} kinds), ` +
    `${(body.length / 1024).toFixed(0)} KiB, ${(performance.now() - started).toFixed(0)} ms -> ${relative(ROOT, OUT)}`,
);
