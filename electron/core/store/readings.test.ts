// latestBuckets averages inside SQLite into exactly the buckets the MCP tools' downsample() makes.
import { describe, expect, it } from 'vitest';
import { downsample } from '../mcp/tools/common';
import { SENSORS } from '../../../shared/domain';
import { applyMigrations, openDatabase } from './database';
import { createReadingsRepository, readingsMigrations } from './readings';

describe('readings repository', () => {
  it('latestBuckets matches downsample() over latest(), for long and short windows', () => {
    const db = openDatabase(':memory:');
    applyMigrations(db, readingsMigrations);
    const repo = createReadingsRepository(db);
    const t0 = Date.UTC(2026, 0, 1);
    const rows = Array.from({ length: 2345 }, (_, i) => ({
      device_id: 'line-1/pump-03',
      ts: t0 + i * 5000,
      timestamp: new Date(t0 + i * 5000).toISOString(),
      values: {
        temperature: 60 + Math.sin(i / 7) * 5,
        pressure: 100 + (i % 11),
        vibration: 2 + (i % 5) / 10,
        humidity: 40 + (i % 3),
        power: 20 + Math.cos(i / 3),
      },
    }));
    repo.insertBatch([...rows, { ...rows[0], device_id: 'line-2/pump-03' }]);
    for (const [n, points] of [
      [2000, 60],
      [2000, 200],
      [1999, 7],
      [61, 60],
      [60, 60],
      [5, 60],
      [3000, 60],
    ] as const) {
      const expected = downsample(repo.latest('line-1/pump-03', n), points, SENSORS);
      const got = repo.latestBuckets('line-1/pump-03', n, points);
      expect(got.count).toBe(Math.min(n, 2345));
      expect(downsample(got.readings, points, SENSORS)).toEqual(expected);
    }
    expect(repo.latestBuckets('nope', 2000, 60)).toEqual({ count: 0, readings: [] });
    db.close();
  });
});
