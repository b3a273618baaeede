// Kubernetes resource quantities (`500m`, `1.5Gi`, `2e3`) as plain numbers. Enough precision for
// what the agent does with them: cgroup limits in bytes, CPU in millicores, downward API values.

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const PATTERN = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

export class QuantityError extends Error {
  override name = 'QuantityError';
}

/** The quantity in base units (cores, bytes). Throws QuantityError for malformed input. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = PATTERN.exec(q.trim());
  if (!m) throw new QuantityError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  const value = Number(m[1]);
  if (m[2]) return value * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  return value * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

/** Rounded up to whole millis, as Quantity.MilliValue(). */
export function milliValue(q: string | number): number {
  return Math.ceil(Math.round(parseQuantity(q) * 1e9) / 1e6);
}

/** Rounded up to a whole number, as Quantity.Value(). */
export function intValue(q: string | number): number {
  return Math.ceil(Math.round(parseQuantity(q) * 1e3) / 1e3);
}
