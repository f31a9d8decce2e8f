// Readings repository: batched inserts in one transaction, prepared once.
import type { Reading, TimedReading } from '../../../shared/domain';
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
    temperature: r.temperature,
    pressure: r.pressure,
    vibration: r.vibration,
    humidity: r.humidity,
    power: r.power,
  };
}

export function createReadingsRepository(db: Db): ReadingsRepository {
  const insert = db.prepare(
    'INSERT INTO readings (device_id, ts, temperature, pressure, vibration, humidity, power) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertMany = db.transaction((rows: readonly TimedReading[]) => {
    for (const r of rows) insert.run(r.device_id, r.ts, r.temperature, r.pressure, r.vibration, r.humidity, r.power);
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
  const deleteOld = db.prepare('DELETE FROM readings WHERE ts < ?');

  return {
    insertBatch: (rows) => (rows.length ? insertMany(rows) : 0),
    count: (deviceId) => (deviceId ? (countDevice.get(deviceId) as number) : (countAll.get() as number)),
    latest: (deviceId, limit) => (latestStmt.all(deviceId, limit) as Row[]).map(toReading).reverse(),
    range: (deviceId, fromMs, toMs, limit = 10_000) => (rangeStmt.all(deviceId, fromMs, toMs, limit) as Row[]).map(toReading),
    deleteOlderThan: (cutoffMs) => deleteOld.run(cutoffMs).changes,
  };
}
