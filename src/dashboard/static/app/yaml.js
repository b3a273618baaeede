// A compact YAML rendering of an API object for reading (not for round-tripping): block style,
// strings quoted only when YAML would read them as something else.

const PLAIN = /^[A-Za-z_./][A-Za-z0-9_./:@ -]*$/;
const SPECIAL = /^(true|false|yes|no|on|off|null|~|y|n)$/i;

function scalar(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (s !== '' && PLAIN.test(s) && !SPECIAL.test(s) && !s.endsWith(' ') && !s.includes(': ')) return s;
  return JSON.stringify(s);
}

const isBlock = (v) => v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

function lines(v, indent, out) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isBlock(item) && !Array.isArray(item)) {
        const sub = [];
        lines(item, indent + 2, sub);
        out.push(`${pad}- ${sub[0].trimStart()}`, ...sub.slice(1));
      } else if (isBlock(item)) {
        out.push(`${pad}-`);
        lines(item, indent + 2, out);
      } else out.push(`${pad}- ${empty(item) ?? scalar(item)}`);
    }
    return;
  }
  for (const [k, val] of Object.entries(v)) {
    const key = scalar(k);
    if (isBlock(val)) {
      out.push(`${pad}${key}:`);
      lines(val, Array.isArray(val) ? indent : indent + 2, out);
    } else out.push(`${pad}${key}: ${empty(val) ?? scalar(val)}`);
  }
}

const empty = (v) => (Array.isArray(v) ? '[]' : v !== null && typeof v === 'object' ? '{}' : undefined);

export function toYaml(obj) {
  const out = [];
  lines(obj, 0, out);
  return `${out.join('\n')}\n`;
}
