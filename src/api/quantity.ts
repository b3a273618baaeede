/**
 * Kubernetes resource.Quantity as plain numbers, for the scheduler and the agent: the value of
 * "100m", "1.5", "2Gi", "1e3", "500M"... JS numbers are exact up to 2^53, ample for bytes and
 * millicores. The exact, canonicalising Quantity the API server validates with is exact-quantity.ts.
 */
import { QUANTITY_FORMAT_ERROR } from './exact-quantity.ts';

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

export class QuantityError extends Error {
  constructor(value: string) {
    super(QUANTITY_FORMAT_ERROR);
    this.name = 'QuantityError';
    this.value = value;
  }
  readonly value: string;
}

/** The exact value of a quantity (e.g. "100m" → 0.1). Throws QuantityError if malformed. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = QUANTITY.exec(q.trim());
  if (!m) throw new QuantityError(q);
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  return base * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

/** Like Quantity.MilliValue(): thousandths, rounded up. */
export function milliValue(q: string | number): number {
  return Math.ceil(Math.round(parseQuantity(q) * 1e9) / 1e6);
}

/** Like Quantity.Value(): whole units, rounded up. */
export function value(q: string | number): number {
  return Math.ceil(Math.round(parseQuantity(q) * 1e6) / 1e6);
}
