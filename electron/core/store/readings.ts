// Readings repository: batched inserts in one transaction, prepared once. The table still has one
// column per demo sensor; readings carry `values` keyed by tag (quality is not stored yet).
import { SENSORS, type Reading, type TimedReading } from '../../../shared/domain';
import type { Db, Migration } from './database';

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
];

export interface ReadingsRepository {
  insertBatch(readings: readonly TimedReading[]): number;
  count(deviceId?: string): number;
  latest(deviceId: string, limit: number): Reading[];
  /**
   * The last `limit` readings of a device averaged in SQLite into at most `points` buckets, oldest
   * first: the same buckets of consecutive readings as the MCP tools' downsample(), each with its last
   * reading's timestamp; and how many readings the window holds. With no more readings than `points`,
   * the readings themselves. A window of 2000 readings comes back as 60 rows instead of 2000 objects
   * (finding 10: reading them all into JS for every call of a batch held the event loop and filled
   * the heap, and the garbage collector's pauses stalled the core again).
   */
  latestBuckets(deviceId: string, limit: number, points: number): { count: number; readings: Reading[] };
  range(deviceId: string, fromMs: number, toMs: number, limit?: number): Reading[];
  deleteOlderThan(cutoffMs: number): number;
}

interface Row {
  device_id: string;
  ts: number;
  temperature: number;
  pressure: number;
  vibration: number;
  humidity: number;
  power: number;
}

function toReading(r: Row): Reading {
  return {
    device_id: r.device_id,
    timestamp: new Date(r.ts).toISOString(),
    values: { temperature: r.temperature, pressure: r.pressure, vibration: r.vibration, humidity: r.humidity, power: r.power },
  };
}

export function createReadingsRepository(db: Db): ReadingsRepository {
  const insert = db.prepare('INSERT INTO readings (device_id, ts, temperature, pressure, vibration, humidity, power) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertMany = db.transaction((rows: readonly TimedReading[]) => {
    // A missing sensor binds as NULL, which the NOT NULL columns refuse (the demo always sends all five).
    for (const r of rows) insert.run(r.device_id, r.ts, ...SENSORS.map((s) => r.values[s] ?? null));
    return rows.length;
  });
  const countAll = db.prepare('SELECT COUNT(*) AS n FROM readings').pluck();
  const countDevice = db.prepare('SELECT COUNT(*) AS n FROM readings WHERE device_id = ?').pluck();
  const latestStmt = db.prepare(
    'SELECT device_id, ts, temperature, pressure, vibration, humidity, power FROM readings WHERE device_id = ? ORDER BY ts DESC, id DESC LIMIT ?',
  );
  const rangeStmt = db.prepare(
    'SELECT device_id, ts, temperature, pressure, vibration, humidity, power FROM readings WHERE device_id = ? AND ts >= ? AND ts <= ? ORDER BY ts ASC LIMIT ?',
  );
  const windowCount = db.prepare('SELECT COUNT(*) FROM (SELECT 1 FROM readings WHERE device_id = ? ORDER BY ts DESC, id DESC LIMIT ?)').pluck();
  // Reading i (0 = oldest) of n goes to bucket floor(((i + 1) * points - 1) / n): downsample()'s
  // [floor(b n / points), floor((b + 1) n / points)). Integer maths: better-sqlite3 binds JS numbers
  // as REAL, hence the CAST.
  const bucketStmt = db
    .prepare(
      `WITH w AS (SELECT id, ts, temperature, pressure, vibration, humidity, power FROM readings WHERE device_id = @device ORDER BY ts DESC, id DESC LIMIT @limit),
          r AS (SELECT *, ROW_NUMBER() OVER (ORDER BY ts, id) AS i1, COUNT(*) OVER () AS n FROM w)
     SELECT (i1 * CAST(@points AS INTEGER) - 1) / n AS b, MAX(ts), AVG(temperature), AVG(pressure), AVG(vibration), AVG(humidity), AVG(power)
     FROM r GROUP BY b ORDER BY b`,
    )
    .raw(true);
  const deleteOld = db.prepare('DELETE FROM readings WHERE ts < ?');

  const latestBuckets = (deviceId: string, limit: number, points: number) => {
    const count = windowCount.get(deviceId, limit) as number;
    if (count <= points) return { count, readings: (latestStmt.all(deviceId, limit) as Row[]).map(toReading).reverse() };
    const rows = bucketStmt.all({ device: deviceId, limit, points }) as number[][];
    const readings = rows.map((r): Reading => ({
      device_id: deviceId,
      timestamp: new Date(r[1]).toISOString(),
      values: { temperature: r[2], pressure: r[3], vibration: r[4], humidity: r[5], power: r[6] },
    }));
    return { count, readings };
  };

  return {
    insertBatch: (rows) => (rows.length ? insertMany(rows) : 0),
    count: (deviceId) => (deviceId ? (countDevice.get(deviceId) as number) : (countAll.get() as number)),
    latest: (deviceId, limit) => (latestStmt.all(deviceId, limit) as Row[]).map(toReading).reverse(),
    latestBuckets,
    range: (deviceId, fromMs, toMs, limit = 10_000) => (rangeStmt.all(deviceId, fromMs, toMs, limit) as Row[]).map(toReading),
    deleteOlderThan: (cutoffMs) => deleteOld.run(cutoffMs).changes,
  };
}
