// The log of the `peapod` commands: pino, written to stderr as human-readable lines on a terminal
// and as JSON lines otherwise (or with --log-format json), so people read it and machines parse it.
import { InvalidArgumentError } from 'commander';
import pino, { type Logger } from 'pino';

export type LogFormat = 'text' | 'json';

export interface CliLoggerOptions {
  /** "text", "json", or undefined: text when `out` is a terminal. */
  format?: string;
  /** Default $PEAPOD_LOG_LEVEL, else info. */
  level?: string;
  out?: { write(s: string): unknown; isTTY?: boolean };
}

/** Commander parser of --log-format: a bad value is a usage error, not a crash. */
export function logFormatFlag(v: string): LogFormat {
  if (v !== 'text' && v !== 'json') throw new InvalidArgumentError('expected text or json.');
  return v;
}

/** Resolves --log-format; throws on a value that is neither. */
export function logFormat(flag: string | undefined, isTTY: boolean | undefined): LogFormat {
  if (flag === undefined) return isTTY ? 'text' : 'json';
  if (flag !== 'text' && flag !== 'json') throw new Error(`--log-format: expected text or json, got ${JSON.stringify(flag)}`);
  return flag;
}

export function createCliLogger(opts: CliLoggerOptions = {}): Logger {
  const out = opts.out ?? process.stderr;
  const level = opts.level ?? process.env.PEAPOD_LOG_LEVEL ?? 'info';
  if (logFormat(opts.format, out.isTTY) === 'json')
    return pino({ level }, out === process.stderr ? pino.destination(2) : { write: (s: string) => void out.write(s) });
  return pino({ level }, { write: (s: string) => void out.write(textLine(s)) });
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** One pino JSON line as `15:04:05.000 INFO  msg key=value ...` (local time). */
export function textLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const t = new Date(typeof rec.time === 'number' ? rec.time : Date.now());
  const hh = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${hh(t.getHours())}:${hh(t.getMinutes())}:${hh(t.getSeconds())}.${hh(t.getMilliseconds(), 3)}`;
  const level = (LEVELS[Number(rec.level)] ?? String(rec.level)).padEnd(5);
  const fields = Object.entries(rec)
    .filter(([k, v]) => !OMIT.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${fieldValue(v)}`);
  return `${stamp} ${level} ${String(rec.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}

function fieldValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

// Components log through one `(msg, fields)` function; a line saying something went wrong is a
// warning, everything else (a node registered, an exec session...) is routine information.
const PROBLEM = /\b(fail(ed|s|ure)?|errors?|cannot|can't|not (started|completed)|bad|unreachable|refused|conflict)\b/i;

/** The `(msg, fields)` logger components get, at the level the message means. */
export function componentLog(logger: Logger): (msg: string, fields?: Record<string, unknown>) => void {
  return (msg, fields) => {
    if (PROBLEM.test(msg)) logger.warn(fields ?? {}, msg);
    else logger.info(fields ?? {}, msg);
  };
}
