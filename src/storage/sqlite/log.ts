// Prepared statements over the `kv` log, and the mapping from rows to the Backend's value types.
// Synchronous and single-connection: callers (the write queue, reads, the compactor) run on the one
// event-loop thread, so no statement ever interleaves with another.
import type Database from 'better-sqlite3';
import type { KeyValue, WatchEvent } from '../backend.ts';
import { compareKeys, prefixRange } from '../key-range.ts';
import type { Row } from './schema.ts';
import { SHARED_SHAPE } from '../../util/index.ts';

const COLUMNS = 'id, name, created, deleted, create_revision, prev_revision, value';

/** The keys a list/count scans: a prefix range, optionally starting strictly after a key. */
interface Scan {
  readonly lower: string;
  readonly lowerExclusive: boolean;
  readonly end: string | undefined;
}

export function scanOf(prefix: string, startAfter: string | undefined): Scan {
  const { start, end } = prefixRange(prefix);
  return startAfter !== undefined && compareKeys(startAfter, start) >= 0
    ? { lower: startAfter, lowerExclusive: true, end }
    : { lower: start, lowerExclusive: false, end };
}

export interface NewRow {
  readonly name: string;
  readonly created: boolean;
  readonly deleted: boolean;
  readonly createRevision: number;
  readonly prevRevision: number;
  readonly value: string;
}

export class SqliteLog {
  readonly #db: Database.Database;
  readonly #latest: Database.Statement<[string], Row>;
  readonly #latestRevision: Database.Statement<[string], { id: number; deleted: number }>;
  readonly #insert: Database.Statement<[string, number, number, number, number, string]>;
  readonly #sequence: Database.Statement<[], { seq: number }>;
  readonly #getMeta: Database.Statement<[string], { value: number }>;
  readonly #setMeta: Database.Statement<[string, number]>;
  readonly #deleteSuperseded: Database.Statement<[number, number]>;
  readonly #deleteTombstones: Database.Statement<[number, number]>;
  readonly #cache = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
    this.#latest = db.prepare(`SELECT ${COLUMNS} FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1`);
    this.#latestRevision = db.prepare('SELECT id, deleted FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1');
    this.#insert = db.prepare('INSERT INTO kv (name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)');
    this.#sequence = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'kv'");
    this.#getMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.#setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    // Row X is superseded by the row whose prev_revision is X.id; drop X when that row is in (from, to].
    this.#deleteSuperseded = db.prepare('DELETE FROM kv WHERE id IN (SELECT prev_revision FROM kv WHERE id > ? AND id <= ? AND prev_revision > 0)');
    this.#deleteTombstones = db.prepare('DELETE FROM kv WHERE deleted = 1 AND id > ? AND id <= ?');
  }

  /** The newest row of `name` (possibly a tombstone), or undefined if it has none. */
  latest(name: string): Row | undefined {
    return this.#latest.get(name);
  }

  /** The id of the newest row of `name` and whether it is a tombstone, without reading its value. */
  latestRevision(name: string): { id: number; deleted: number } | undefined {
    return this.#latestRevision.get(name);
  }

  /** Appends a row and returns its id (= revision). Throws SQLITE_CONSTRAINT_UNIQUE on a lost CAS. */
  append(row: NewRow): number {
    const info = this.#insert.run(row.name, row.created ? 1 : 0, row.deleted ? 1 : 0, row.createRevision, row.prevRevision, row.value);
    return Number(info.lastInsertRowid);
  }

  /** The highest revision ever assigned (survives compaction and restarts). */
  sequence(): number {
    return this.#sequence.get()?.seq ?? 0;
  }

  meta(key: string): number {
    return this.#getMeta.get(key)?.value ?? 0;
  }

  setMeta(key: string, value: number): void {
    this.#setMeta.run(key, value);
  }

  /**
   * Live keys in the scan as of `revision`, in key order. limit 0 = all. One pass over the
   * (name, id) index in name order that stops at the limit (see newestPerKey). Grouping in a
   * subquery joined back to kv instead made SQLite sort every remaining row, values included,
   * before the LIMIT applied, so paging through N keys cost O(N²/limit).
   */
  listAt(scan: Scan, revision: number, limit: number): Row[] {
    const sql = `${newestPerKey(scan, 'name, created, create_revision, prev_revision, value')} LIMIT @limit`;
    return this.#statement(sql).all({ ...SHARED_SHAPE, ...bind(scan), revision, limit: limit > 0 ? limit : -1 }) as Row[];
  }

  countAt(scan: Scan, revision: number): number {
    return this.#statement(`SELECT COUNT(*) FROM (${newestPerKey(scan)})`, { pluck: true }).get({ ...SHARED_SHAPE, ...bind(scan), revision }) as number;
  }

  /** Every event in the scan with revision > after, in revision order, each with its previous row. */
  eventsAfter(prefix: string, after: number): WatchEvent[] {
    const scan = scanOf(prefix, undefined);
    const prevColumns = COLUMNS.split(', ')
      .map((c) => `p.${c} AS p_${c}`)
      .join(', ');
    const sql = `SELECT ${prefixed('e')}, ${prevColumns} FROM kv e LEFT JOIN kv p ON p.id = e.prev_revision
      WHERE e.id > @after AND ${range('e.name', scan)} ORDER BY e.id`;
    const rows = this.#statement(sql).all({ ...SHARED_SHAPE, ...bind(scan), after }) as (Row & PrevColumns)[];
    return rows.map((row) => toEvent(row, prevRow(row)));
  }

  /**
   * Removes history superseded in (from, to] and tombstones in (from, to]: afterwards the newest row
   * of each key at `to` is still there, so reads at `to` and watches from `to` keep working.
   */
  compactRange(from: number, to: number): void {
    this.#deleteSuperseded.run(from, to);
    this.#deleteTombstones.run(from, to);
  }

  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  #statement(sql: string, options: { pluck?: boolean } = {}): Database.Statement {
    let statement = this.#cache.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      if (options.pluck) statement.pluck();
      this.#cache.set(sql, statement);
    }
    return statement;
  }
}

export function toKeyValue(row: Row): KeyValue {
  return {
    key: row.name,
    value: row.value,
    createRevision: row.created ? row.id : row.create_revision,
    modRevision: row.id,
  };
}

/** `prev` is the row this one superseded; a tombstone there means this row is a re-create. */
export function toEvent(row: Row, prev: Row | undefined): WatchEvent {
  return {
    type: row.deleted ? 'delete' : 'put',
    kv: toKeyValue(row),
    prev: prev && !prev.deleted ? toKeyValue(prev) : undefined,
    revision: row.id,
  };
}

interface PrevColumns {
  readonly p_id: number | null;
  readonly p_name: string;
  readonly p_created: number;
  readonly p_deleted: number;
  readonly p_create_revision: number;
  readonly p_prev_revision: number;
  readonly p_value: string;
}

function prevRow(row: PrevColumns): Row | undefined {
  if (row.p_id === null) return undefined;
  return {
    id: row.p_id,
    name: row.p_name,
    created: row.p_created,
    deleted: row.p_deleted,
    create_revision: row.p_create_revision,
    prev_revision: row.p_prev_revision,
    value: row.p_value,
  };
}

function prefixed(table: string): string {
  return COLUMNS.split(', ')
    .map((c) => `${table}.${c}`)
    .join(', ');
}

function range(column: string, scan: Scan): string {
  const lower = `${column} ${scan.lowerExclusive ? '>' : '>='} @lower`;
  return scan.end === undefined ? lower : `${lower} AND ${column} < @end`;
}

/**
 * The newest row of each live key as of @revision, in key order, with `columns` besides id and
 * deleted. The other columns are bare: with MAX() SQLite takes them from the row holding the
 * maximum id, so HAVING drops keys whose newest row is a tombstone. Walks the (name, id) index in
 * order, so an outer LIMIT stops the scan early.
 */
function newestPerKey(scan: Scan, columns = ''): string {
  const more = columns ? `, ${columns}` : '';
  return `SELECT MAX(id) AS id, deleted${more} FROM kv WHERE ${range('name', scan)} AND id <= @revision GROUP BY name HAVING deleted = 0 ORDER BY name`;
}

function bind(scan: Scan): { lower: string; end?: string } {
  return scan.end === undefined ? { lower: scan.lower } : { lower: scan.lower, end: scan.end };
}
