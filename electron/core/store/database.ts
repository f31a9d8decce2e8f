// One SQLite file (WAL) per data dir. Subsystems bring their own versioned migrations; each id is
// applied once, in the order given, inside a transaction, and recorded in schema_migrations.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export interface Migration {
  /** Stable, unique, sortable id, e.g. 'store-001-readings', 'detect-001-anomalies'. */
  id: string;
  up: (db: Db) => void;
}

export interface OpenOptions {
  /** Path to a better_sqlite3.node built for another ABI (Electron); falls back to the bundled one. */
  nativeBinding?: string;
  readonly?: boolean;
}

export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const native = opts.nativeBinding && fs.existsSync(opts.nativeBinding) ? opts.nativeBinding : undefined;
  const db = new Database(file, { nativeBinding: native, readonly: opts.readonly ?? false });
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    // NORMAL: a committed transaction survives an app crash; power loss may drop the last ones.
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

export function applyMigrations(db: Db, migrations: readonly Migration[]): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`);
  const seen = new Set<string>();
  for (const m of migrations) {
    if (seen.has(m.id)) throw new Error(`duplicate migration id ${m.id}`);
    seen.add(m.id);
  }
  const done = new Set((db.prepare('SELECT id FROM schema_migrations').all() as Array<{ id: string }>).map((r) => r.id));
  const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      m.up(db);
      record.run(m.id, new Date().toISOString());
    })();
    applied.push(m.id);
  }
  return applied;
}
