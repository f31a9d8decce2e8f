// The store's tables (issue 15), keyed by tag and time: each tag's values packed one row per minute
// (tag_chunks), a 1-minute rollup per tag for long trends (tag_rollup), and the minutes still open
// appended in arrival order (tag_recent). docs/SCALE.md ("Store") has the measurements behind it:
// one row per value keyed (tag, ts) dirtied a page per tag at every commit.
import type { Db, Migration } from './database';
import { createMinuteWriter, emptyMinute, minuteOf, type Minute } from './chunks';

const OLD_SENSORS = ['temperature', 'pressure', 'vibration', 'humidity', 'power'] as const;

/**
 * Moves the five-sensor `readings` rows (store-001) into the tag tables, then drops them: one pass
 * in (device, ts) order, each tag's minute packed when the next one starts. Inside the migration's
 * transaction: all or nothing. Rows of one device with the same ts were possible before: the first stays.
 */
function migrateReadings(db: Db, write: (tag: number, bucket: number, m: Minute) => void): void {
  const insertTag = db.prepare('INSERT INTO tags (tag, device, key) VALUES (?, ?, ?)');
  let device = '';
  let bucket = 0;
  let ids: number[] = [];
  let open: Minute[] = [];
  const flush = () => open.forEach((m, i) => m.ts.length && write(ids[i], bucket, m));
  // Pages of rows (the connection cannot write while a statement iterates).
  const page = db
    .prepare(`SELECT device_id, ts, id, ${OLD_SENSORS.join(', ')} FROM readings WHERE (device_id, ts, id) > (?, ?, ?) ORDER BY device_id, ts, id LIMIT 5000`)
    .raw(true);
  const rows = function* (): Generator<[string, number, number, ...number[]]> {
    let after: [string, number, number] = ['', -Infinity, -Infinity];
    for (;;) {
      const got = page.all(...after) as Array<[string, number, number, ...number[]]>;
      yield* got;
      if (got.length < 5000) return;
      const last = got[got.length - 1];
      after = [last[0], last[1], last[2]];
    }
  };
  for (const [dev, ts, , ...values] of rows()) {
    if (dev !== device || minuteOf(ts) !== bucket) {
      flush();
      if (dev !== device) ids = OLD_SENSORS.map((k) => Number(insertTag.run(`${dev}/${k}`, dev, k).lastInsertRowid));
      device = dev;
      bucket = minuteOf(ts);
      open = OLD_SENSORS.map(emptyMinute);
    }
    open.forEach((m, i) => {
      if (m.ts[m.ts.length - 1] === ts) return;
      m.ts.push(ts);
      m.value.push(values[i]);
      m.quality.push(0);
    });
  }
  flush();
  db.exec('DROP TABLE readings');
}

export const readingsMigrations: Migration[] = [
  {
    id: 'store-001-readings',
    up: (db) => {
      db.exec(`
        CREATE TABLE readings (
          id INTEGER PRIMARY KEY,
          device_id TEXT NOT NULL,
          ts INTEGER NOT NULL,
          temperature REAL NOT NULL,
          pressure REAL NOT NULL,
          vibration REAL NOT NULL,
          humidity REAL NOT NULL,
          power REAL NOT NULL
        );
        CREATE INDEX readings_device_ts ON readings (device_id, ts);
        CREATE INDEX readings_ts ON readings (ts);
      `);
    },
  },
  {
    id: 'store-002-tags',
    up: (db) => {
      db.exec(`
        CREATE TABLE tags (
          id INTEGER PRIMARY KEY,
          tag TEXT NOT NULL UNIQUE,
          device TEXT NOT NULL,
          key TEXT NOT NULL
        );
        CREATE INDEX tags_device ON tags (device);
        -- Values of the minutes still open, in arrival order: what a restart reloads (nothing reads it otherwise).
        CREATE TABLE tag_recent (
          tag INTEGER NOT NULL,
          ts INTEGER NOT NULL,
          value REAL NOT NULL,
          quality INTEGER NOT NULL
        );
        -- One tag's values of one minute, packed (chunks.ts).
        CREATE TABLE tag_chunks (
          tag INTEGER NOT NULL,
          bucket INTEGER NOT NULL,
          data BLOB NOT NULL,
          PRIMARY KEY (tag, bucket)
        );
        -- Per tag and minute: n, sum, min and max over the values that are not bad; bad counts the others.
        CREATE TABLE tag_rollup (
          tag INTEGER NOT NULL,
          bucket INTEGER NOT NULL,
          n INTEGER NOT NULL,
          sum REAL NOT NULL,
          min REAL,
          max REAL,
          bad INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (tag, bucket)
        ) WITHOUT ROWID;
      `);
      migrateReadings(db, createMinuteWriter(db));
    },
  },
];
