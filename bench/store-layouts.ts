// The quick measurement behind the store's layout (docs/SCALE.md, "Store"): the same generated
// values (TAGS tags at 1 Hz, committed in 100 ms batches as ingest does) written into each candidate
// layout in a real SQLite file (WAL, synchronous NORMAL, like the core's), then the reads a trend
// makes: one tag over the whole window raw, and the same through the 1-minute rollup where there is one.
// Usage: node --import tsx bench/store-layouts.ts [--tags 10000] [--seconds 300]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations, openDatabase, type Db } from '../electron/core/store/database';
import { createReadingsRepository, readingsMigrations, type ReadingsRepository } from '../electron/core/store/readings';
import type { TimedReading } from '../shared/domain';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TAGS = arg('tags', 10_000);
const SECONDS = arg('seconds', 300);
const PER_ASSET = 10;
const T0 = Date.UTC(2026, 0, 1);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-layouts-'));

interface Layout {
  name: string;
  schema: string;
  /** Returns a function writing one 100 ms batch: values[tag] at ts for tags [from, to). */
  writer(db: Db): (ts: number, from: number, to: number) => void;
  /** One tag's values over the window: raw rows read. */
  readRaw(db: Db): (tag: number, from: number, to: number) => number;
  readRollup?(db: Db): (tag: number, from: number, to: number) => number;
}

const value = (tag: number, ts: number) => 50 + 10 * Math.sin(tag + ts / 60_000);
/** Bytes this process wrote to storage (WAL and checkpoints alike); 0 where /proc is not there. */
const writeBytes = () => {
  try {
    return Number(/wchar: (\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};
const minute = (ts: number) => ts - (ts % 60_000);

const rollupSchema = `CREATE TABLE tag_rollup (tag INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, sum REAL NOT NULL, min REAL, max REAL,
  PRIMARY KEY (tag, bucket)) WITHOUT ROWID;`;
const rollupUpsert = (db: Db) =>
  db.prepare(`INSERT INTO tag_rollup (tag, bucket, n, sum, min, max) VALUES (?, ?, 1, ?, ?, ?)
    ON CONFLICT (tag, bucket) DO UPDATE SET n = n + 1, sum = sum + excluded.sum, min = min(min, excluded.min), max = max(max, excluded.max)`);
const rollupRead = (db: Db) => {
  const table = db.prepare("SELECT name FROM sqlite_master WHERE name = 'chunks'").get() ? 'chunks' : 'tag_rollup';
  const s = db.prepare(`SELECT bucket, sum / n, min, max FROM ${table} WHERE tag = ? AND bucket >= ? AND bucket <= ?`).raw(true);
  return (tag: number, from: number, to: number) => s.all(tag, minute(from), to).length;
};
/** The long table's raw read: one tag's rows over the window. */
const readLong = (db: Db) => {
  const s = db.prepare('SELECT ts, value FROM v WHERE tag = ? AND ts >= ? AND ts <= ?').raw(true);
  return (tag: number, from: number, to: number) => s.all(tag, from, to).length;
};
/** A long-table writer that upserts the 1-min rollup in the insert's transaction (`insert` binds tag, ts, value). */
const upsertingWriter = (insert: string) => (db: Db) => {
  const ins = db.prepare(insert);
  const up = rollupUpsert(db);
  return db.transaction((ts: number, from: number, to: number) => {
    for (let t = from; t < to; t++) {
      const v = value(t, ts);
      if (ins.run(t, ts, v).changes) up.run(t, minute(ts), v, v, v);
    }
  });
};

const layouts: Layout[] = [
  {
    name: 'long, WITHOUT ROWID (tag, ts), no rollup',
    schema: 'CREATE TABLE v (tag INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL, quality INTEGER NOT NULL, PRIMARY KEY (tag, ts)) WITHOUT ROWID;',
    writer: (db) => {
      const ins = db.prepare('INSERT OR IGNORE INTO v VALUES (?, ?, ?, 0)');
      return db.transaction((ts: number, from: number, to: number) => {
        for (let t = from; t < to; t++) ins.run(t, ts, value(t, ts));
      });
    },
    readRaw: readLong,
  },
  {
    name: 'long, WITHOUT ROWID (tag, ts) + 1-min rollup upserted in the insert transaction',
    schema:
      'CREATE TABLE v (tag INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL, quality INTEGER NOT NULL, PRIMARY KEY (tag, ts)) WITHOUT ROWID;' + rollupSchema,
    writer: upsertingWriter('INSERT OR IGNORE INTO v VALUES (?, ?, ?, 0)'),
    readRaw: readLong,
    readRollup: rollupRead,
  },
  {
    name: 'long, WITHOUT ROWID (tag, ts) + 1-min rollup accumulated in memory, written when the minute closes',
    schema:
      'CREATE TABLE v (tag INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL, quality INTEGER NOT NULL, PRIMARY KEY (tag, ts)) WITHOUT ROWID;' + rollupSchema,
    writer: (db) => {
      const ins = db.prepare('INSERT OR IGNORE INTO v VALUES (?, ?, ?, 0)');
      const put = db.prepare('INSERT OR REPLACE INTO tag_rollup VALUES (?, ?, ?, ?, ?, ?)');
      const acc = new Map<number, { bucket: number; n: number; sum: number; min: number; max: number }>();
      return db.transaction((ts: number, from: number, to: number) => {
        for (let t = from; t < to; t++) {
          const v = value(t, ts);
          if (!ins.run(t, ts, v).changes) continue;
          let a = acc.get(t);
          if (a && a.bucket !== minute(ts)) {
            put.run(t, a.bucket, a.n, a.sum, a.min, a.max);
            a = undefined;
          }
          if (!a) acc.set(t, (a = { bucket: minute(ts), n: 0, sum: 0, min: v, max: v }));
          a.n++;
          a.sum += v;
          a.min = Math.min(a.min, v);
          a.max = Math.max(a.max, v);
        }
      });
    },
    readRaw: readLong,
    readRollup: rollupRead,
  },
  {
    name: 'recent values appended in arrival order; per tag and minute one packed chunk (values + n/sum/min/max) when the minute closes',
    schema: `CREATE TABLE recent (tag INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, quality INTEGER NOT NULL);
      CREATE TABLE chunks (tag INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, sum REAL NOT NULL, min REAL, max REAL, data BLOB, PRIMARY KEY (tag, bucket));`,
    writer: (db) => {
      const ins = db.prepare('INSERT INTO recent VALUES (?, ?, ?, 0)');
      const put = db.prepare('INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)');
      const trim = db.prepare('DELETE FROM recent WHERE rowid < ?');
      const pending = new Map<number, { bucket: number; ts: number[]; v: number[]; first: number }>();
      let lastTrim = 0;
      return db.transaction((ts: number, from: number, to: number) => {
        for (let t = from; t < to; t++) {
          const v = value(t, ts);
          const rowid = Number(ins.run(t, ts, v).lastInsertRowid);
          let p = pending.get(t);
          if (p && p.bucket !== minute(ts)) {
            const buf = Buffer.alloc(p.v.length * 11);
            let sum = 0;
            for (let i = 0; i < p.v.length; i++) {
              buf.writeDoubleLE(p.v[i], i * 8);
              buf.writeUInt16LE(p.ts[i] - p.bucket, p.v.length * 8 + i * 2);
              sum += p.v[i];
            }
            put.run(t, p.bucket, p.v.length, sum, Math.min(...p.v), Math.max(...p.v), buf);
            p = undefined;
          }
          if (!p) pending.set(t, (p = { bucket: minute(ts), ts: [], v: [], first: rowid }));
          p.ts.push(ts);
          p.v.push(v);
        }
        if (ts - lastTrim >= 60_000) {
          lastTrim = ts;
          let low = Infinity;
          for (const p of pending.values()) low = Math.min(low, p.first);
          trim.run(low);
        }
      });
    },
    readRaw: (db) => {
      const s = db.prepare('SELECT data FROM chunks WHERE tag = ? AND bucket >= ? AND bucket <= ?').pluck();
      const r = db.prepare('SELECT ts, value FROM recent WHERE tag = ? AND ts >= ? AND ts <= ?').raw(true);
      return (tag, from, to) => {
        let n = 0;
        for (const b of s.all(tag, minute(from), to) as Buffer[]) n += b.length / 11;
        return n + r.all(tag, from, to).length;
      };
    },
    readRollup: rollupRead,
  },
  {
    name: 'long, rowid table + index (tag, ts) + 1-min rollup',
    schema:
      'CREATE TABLE v (id INTEGER PRIMARY KEY, tag INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL, quality INTEGER NOT NULL); CREATE UNIQUE INDEX v_tag_ts ON v (tag, ts);' +
      rollupSchema,
    writer: upsertingWriter('INSERT OR IGNORE INTO v (tag, ts, value, quality) VALUES (?, ?, ?, 0)'),
    readRaw: readLong,
    readRollup: rollupRead,
  },
  {
    name: "wide: one row per asset reading, values as JSON (today's table, generalised)",
    schema: 'CREATE TABLE r (id INTEGER PRIMARY KEY, device INTEGER NOT NULL, ts INTEGER NOT NULL, v TEXT NOT NULL); CREATE INDEX r_dev_ts ON r (device, ts);',
    writer: (db) => {
      const ins = db.prepare('INSERT INTO r (device, ts, v) VALUES (?, ?, ?)');
      return db.transaction((ts: number, from: number, to: number) => {
        for (let d = from; d < to; d += PER_ASSET) {
          const o: Record<string, number> = {};
          for (let k = 0; k < PER_ASSET; k++) o['t' + k] = value(d + k, ts);
          ins.run(d / PER_ASSET, ts, JSON.stringify(o));
        }
      });
    },
    readRaw: (db) => {
      const s = db.prepare("SELECT ts, json_extract(v, '$.t' || ?) FROM r WHERE device = ? AND ts >= ? AND ts <= ?").raw(true);
      return (tag, from, to) => s.all(tag % PER_ASSET, Math.floor(tag / PER_ASSET), from, to).length;
    },
  },
];

// The store as built (electron/core/store/readings.ts), through its own API: readings of 10 tags per asset.
let built: ReadingsRepository | null = null;
layouts.push({
  name: 'as built: readings.ts (tag_recent + tag_chunks + tag_rollup, open minutes in memory)',
  schema: '',
  writer: (db) => {
    applyMigrations(db, readingsMigrations);
    const repo = createReadingsRepository(db);
    built = repo;
    return (ts, from, to) => {
      const rows: TimedReading[] = [];
      for (let d = from; d < to; d += PER_ASSET) {
        const values: Record<string, number> = {};
        for (let k = 0; k < PER_ASSET; k++) values['t' + k] = value(d + k, ts);
        rows.push({ device_id: `a${d / PER_ASSET}`, ts, timestamp: '', values });
      }
      repo.insertBatch(rows);
    };
  },
  readRaw: () => (tag, from, to) => built?.tagRange([`a${Math.floor(tag / PER_ASSET)}/t${tag % PER_ASSET}`], from, to, 1e9)[0].ts.length ?? 0,
  readRollup: () => (tag, from, to) => built?.tagRange([`a${Math.floor(tag / PER_ASSET)}/t${tag % PER_ASSET}`], from, to, 1)[0].ts.length ?? 0,
});

const results: Array<Record<string, string | number>> = [];
const only = process.argv.includes('--only') ? Number(process.argv[process.argv.indexOf('--only') + 1]) : -1;
for (const [i, l] of layouts.entries()) {
  if (only >= 0 && i !== only) continue;
  const file = path.join(dir, `l${i}.db`);
  const db = openDatabase(file);
  if (l.schema) db.exec(l.schema);
  const write = l.writer(db);
  const batchTags = TAGS / 10;
  const io0 = writeBytes();
  const t0 = performance.now();
  let maxBatch = 0;
  for (let s = 0; s < SECONDS; s++)
    for (let b = 0; b < 10; b++) {
      const b0 = performance.now();
      write(T0 + s * 1000 + b * 100, b * batchTags, (b + 1) * batchTags);
      maxBatch = Math.max(maxBatch, performance.now() - b0);
    }
  const secs = (performance.now() - t0) / 1000;
  const written = writeBytes() - io0;
  db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = fs.statSync(file).size;
  const readRaw = l.readRaw(db);
  const q = (fn: (tag: number, from: number, to: number) => number) => {
    const q0 = performance.now();
    let rows = 0;
    for (let k = 0; k < 50; k++) rows += fn((k * 197) % TAGS, T0, T0 + SECONDS * 1000);
    return { ms: (performance.now() - q0) / 50, rows: rows / 50 };
  };
  const raw = q(readRaw);
  const roll = l.readRollup ? q(l.readRollup(db)) : null;
  db.close();
  const values = TAGS * SECONDS;
  const row = {
    layout: l.name,
    values_per_s: Math.round(values / secs),
    max_batch_ms: +maxBatch.toFixed(1),
    bytes_per_value: +(bytes / values).toFixed(1),
    written_mb_per_s: +(written / 1e6 / secs).toFixed(1),
    written_bytes_per_value: Math.round(written / values),
    raw_read_ms: +raw.ms.toFixed(2),
    raw_rows: raw.rows,
    rollup_read_ms: roll ? +roll.ms.toFixed(2) : '-',
    rollup_rows: roll ? roll.rows : '-',
  };
  results.push(row);
  console.log(JSON.stringify(row));
}
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  `\nload average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${os.cpus().length} CPUs`,
);
console.log(`\n${TAGS} tags × ${SECONDS} s at 1 Hz, 100 ms batches of ${TAGS / 10} values; reads: one tag over the whole window, mean of 50`);
console.table(results);
