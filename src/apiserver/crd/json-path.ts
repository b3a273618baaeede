// The JSONPath subset CRD printer columns and selectable fields use (kubectl's template syntax
// without braces): `.spec.replicas`, `.spec.list[0].name`, `.spec.list[*].name`,
// `.status.conditions[?(@.type=="Ready")].status`. Returns every value the path reaches.
import { isRecord } from '../registry/common.ts';

type Step = { field: string } | { index: number } | { all: true } | { filter: { path: string[]; value: string } };

export function parseJsonPath(path: string): Step[] | undefined {
  const steps: Step[] = [];
  const re = /\.([A-Za-z0-9_$-]+)|\[(\d+)\]|\[\*\]|\[\?\(@\.([A-Za-z0-9_.$-]+)\s*==\s*["']([^"']*)["']\)\]|\['([^']+)'\]/gy;
  let text = path.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  if (text.startsWith('$')) text = text.slice(1);
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    if (m[1] !== undefined) steps.push({ field: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ filter: { path: m[3].split('.'), value: m[4] ?? '' } });
    else if (m[5] !== undefined) steps.push({ field: m[5] });
    else steps.push({ all: true });
  }
  return re.lastIndex === text.length || text.length === 0 ? steps : undefined;
}

export function evalJsonPath(steps: readonly Step[], root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if ('field' in step) {
        if (isRecord(v) && v[step.field] !== undefined) next.push(v[step.field]);
      } else if ('index' in step) {
        if (Array.isArray(v) && step.index < v.length) next.push(v[step.index]);
      } else if ('all' in step) {
        if (Array.isArray(v)) next.push(...v);
        else if (isRecord(v)) next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const item of v) {
          let x: unknown = item;
          for (const f of step.filter.path) x = isRecord(x) ? x[f] : undefined;
          if (x !== undefined && String(x) === step.filter.value) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}
