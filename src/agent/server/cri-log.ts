// CRI "k8s-file" log records, as conmon writes them:
//   2026-11-28T11:52:00.090320722+00:00 stdout F hello
// P marks a partial record (the line continues in the next record), F a full one (a newline
// followed in the container's output).

export interface CriRecord {
  /** Milliseconds since the epoch (for --since comparisons). */
  readonly timeMs: number;
  /** The timestamp normalised to UTC with nine fractional digits, as kubelet prints it. */
  readonly timestamp: string;
  readonly stream: 'stdout' | 'stderr';
  readonly partial: boolean;
  /** The text without the newline. */
  readonly content: Buffer;
}

const SPACE = 0x20;

/** Parses one record (without its trailing newline); undefined for a malformed line. */
export function parseCriRecord(line: Buffer): CriRecord | undefined {
  const s1 = line.indexOf(SPACE);
  if (s1 < 0) return undefined;
  const s2 = line.indexOf(SPACE, s1 + 1);
  if (s2 < 0) return undefined;
  const s3 = line.indexOf(SPACE, s2 + 1);
  const stream = line.subarray(s1 + 1, s2).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tags = line.subarray(s2 + 1, s3 < 0 ? line.length : s3).toString('latin1');
  const time = parseTimestamp(line.subarray(0, s1).toString('latin1'));
  if (!time) return undefined;
  return {
    ...time,
    stream,
    // Tags are colon-separated; only P/F is defined today.
    partial: tags.split(':').includes('P'),
    content: s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1),
  };
}

/** RFC 3339 with up to nine fractional digits and any offset → epoch ms + a UTC RFC3339Nano string. */
export function parseTimestamp(text: string): { timeMs: number; timestamp: string } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0');
  const ms = Date.parse(`${m[1]}.${frac.slice(0, 3)}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const utc = new Date(ms).toISOString().slice(0, 19);
  return { timeMs: ms, timestamp: `${utc}.${frac}Z` };
}

/** Formats a record the way the container app wrote it, optionally with kubelet's timestamp prefix. */
export function renderRecord(rec: CriRecord, options: { timestamps: boolean; atLineStart: boolean }): Buffer {
  const parts: Buffer[] = [];
  if (options.timestamps && options.atLineStart) parts.push(Buffer.from(`${rec.timestamp} `));
  parts.push(rec.content);
  if (!rec.partial) parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}
