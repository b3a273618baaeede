// The kine-style schema: one append-only log whose row id is the global revision.
//
// - A create row has created = 1 and its createRevision is its own id (create_revision stored as 0).
// - prev_revision is the id of the key's previous row (its tombstone for a re-create), 0 for a first
//   create. UNIQUE (name, prev_revision) makes two writers that read the same latest row unable to
//   both append after it: the loser gets a constraint error, i.e. a lost compare-and-swap.
// - A delete is a tombstone row (deleted = 1) carrying the deleted value.
// - AUTOINCREMENT keeps sqlite_sequence, so a revision is never reused, even when compaction removes
//   the newest rows (tombstones) or the process restarts.
import type Database from 'better-sqlite3';

const DDL = `
CREATE TABLE IF NOT EXISTS kv (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  name            TEXT    NOT NULL,
  created         INTEGER NOT NULL,
  deleted         INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER NOT NULL,
  value           TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS kv_name_prev_revision ON kv (name, prev_revision);
CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('compact_revision', 0);
`;

/** Sets durability pragmas and creates the schema. Idempotent. */
export function initSchema(db: Database.Database): void {
  // WAL + synchronous=FULL: every commit fsyncs the WAL, so an acknowledged write survives kill -9
  // and power loss. (synchronous=NORMAL alone would survive kill -9 but not power loss; the backend
  // lowers it for a file database only together with its own fsync before acknowledging, wal-sync.ts.)
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(DDL);
}

/** A row of `kv` as selected by the statements in log.ts. */
export interface Row {
  readonly id: number;
  readonly name: string;
  readonly created: number;
  readonly deleted: number;
  readonly create_revision: number;
  readonly prev_revision: number;
  readonly value: string;
}
