// resource.Quantity (k8s.io/apimachinery/pkg/api/resource), exact: `100m`, `1Gi`, `1e3`, `0.5`.
// The API server validates and canonicalises with this; components that only need a number use
// quantity.ts (same grammar, same error message).
// Values are held exactly as a count of nano-units (10^-9) in a bigint; finer precision rounds
// up, as upstream does. String() gives upstream's canonical form (`1.5Gi` -> `1536Mi`, `0.5` ->
// `500m`, `1000m` -> `1`).

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

export class QuantityParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityParseError';
  }
}

const quantityRe = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const numberRe = /^[+-]?(\d+\.?\d*|\.\d+)$/;

const binarySuffixes: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const decimalSuffixByExp = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binarySuffixByPow = new Map(Object.entries(binarySuffixes).map(([s, p]) => [p, s]));

const NANO = 10n ** 9n;

function divAwayFromZero(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d === 0n ? q : n < 0n ? q - 1n : q + 1n;
}

function divCeil(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n > 0n ? q + 1n : q;
}

export class Quantity {
  constructor(
    /** The value in units of 10^-9. */
    readonly nanos: bigint,
    readonly format: QuantityFormat,
  ) {}

  /** The value in base units, rounded up (upstream Value()). */
  value(): number {
    return Number(divCeil(this.nanos, NANO));
  }

  /** The value in thousandths, rounded up (upstream MilliValue()). */
  milliValue(): number {
    return Number(divCeil(this.nanos, 10n ** 6n));
  }

  /** The exact value as a floating-point number of base units. */
  toNumber(): number {
    return Number(this.nanos) / 1e9;
  }

  isInteger(): boolean {
    return this.nanos % NANO === 0n;
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.format);
  }

  toString(): string {
    return formatQuantity(this);
  }

  toJSON(): string {
    return this.toString();
  }
}

export type ParsedQuantity = { ok: true; quantity: Quantity } | { ok: false; error: string };

/** Parses a quantity; an invalid one is a value carrying upstream's error message. */
export function tryParseQuantity(input: string): ParsedQuantity {
  const m = quantityRe.exec(input);
  if (!m) return { ok: false, error: QUANTITY_FORMAT_ERROR };
  const num = m[1] ?? '';
  const suffix = m[2] ?? '';
  if (!numberRe.test(num)) return { ok: false, error: QUANTITY_NUMERIC_ERROR };

  let format: QuantityFormat;
  let pow2 = 0; // value *= 1024^pow2
  let exp10 = 0; // value *= 10^exp10
  if (suffix in binarySuffixes) {
    format = 'BinarySI';
    pow2 = binarySuffixes[suffix] ?? 0;
  } else if (suffix in decimalSuffixes) {
    format = 'DecimalSI';
    exp10 = decimalSuffixes[suffix] ?? 0;
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    exp10 = Number(suffix.slice(1));
    if (!Number.isSafeInteger(exp10) || Math.abs(exp10) > 1000) return { ok: false, error: QUANTITY_SUFFIX_ERROR };
  } else {
    return { ok: false, error: QUANTITY_SUFFIX_ERROR };
  }

  const negative = num.startsWith('-');
  const unsigned = num.replace(/^[+-]/, '');
  const [intPart = '', fracPart = ''] = unsigned.split('.');
  let n = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, '') || '0');
  let d = 10n ** BigInt(fracPart.length);
  n *= 1024n ** BigInt(pow2) * NANO;
  if (exp10 >= 0) n *= 10n ** BigInt(exp10);
  else d *= 10n ** BigInt(-exp10);
  const nanos = divAwayFromZero(negative ? -n : n, d);
  return { ok: true, quantity: new Quantity(nanos, format) };
}

/** Parses a quantity or throws QuantityParseError (for callers that have validated already). */
export function parseQuantity(input: string): Quantity {
  const r = tryParseQuantity(input);
  if (!r.ok) throw new QuantityParseError(r.error);
  return r.quantity;
}

/** The quantity of a JSON value: strings as above; JSON numbers are accepted as upstream does. */
export function tryParseQuantityValue(value: unknown): ParsedQuantity {
  if (typeof value === 'number' && Number.isFinite(value)) return tryParseQuantity(String(value));
  if (typeof value === 'string') return tryParseQuantity(value);
  return { ok: false, error: QUANTITY_FORMAT_ERROR };
}

function formatQuantity(q: Quantity): string {
  const nanos = q.nanos;
  if (nanos === 0n) return '0';
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  let format = q.format;
  if (format === 'BinarySI') {
    // Small or fractional binary values read better in decimal (and avoid rounding), as upstream.
    if (abs < 1024n * NANO || abs % NANO !== 0n) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let units = abs / NANO;
    let pow = 0;
    while (pow < 6 && units % 1024n === 0n) {
      units /= 1024n;
      pow++;
    }
    return `${sign}${units}${binarySuffixByPow.get(pow) ?? ''}`;
  }
  // Largest exponent (a multiple of 3, from -9) for which the mantissa is an integer.
  let mantissa = abs;
  let exp = -9;
  const maxExp = format === 'DecimalSI' ? 18 : Number.MAX_SAFE_INTEGER;
  while (exp < maxExp && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exp += 3;
  }
  if (format === 'DecimalExponent') return `${sign}${mantissa}${exp === 0 ? '' : `e${exp}`}`;
  return `${sign}${mantissa}${decimalSuffixByExp.get(exp) ?? ''}`;
}
