// The tag store in real SQLite files: readings reassembled from tag rows, the rollup kept in the
// insert transaction, trends from raw rows or the rollup, retention, and the migration of old rows.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/helpers';
import { applyMigrations, openDatabase, type Db } from './database';
import { createReadingsRepository, readingsMigrations, type ReadingsRepository } from './readings';
import type { Reading, TimedReading } from '../../../shared/domain';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function openStore(migrations = readingsMigrations): { db: Db; repo: ReadingsRepository; file: string } {
  return openStoreFile(migrations, true) as { db: Db; repo: ReadingsRepository; file: string };
}

function openStoreFile(migrations: typeof readingsMigrations, withRepo: boolean): { db: Db; repo?: ReadingsRepository; file: string } {
  const t = tempDir('aegisflow-store-');
  const file = path.join(t.dir, 'store.db');
  const db = openDatabase(file);
  cleanups.push(() => {
    if (db.open) db.close();
    t.cleanup();
  });
  applyMigrations(db, migrations);
  return { db, repo: withRepo ? createReadingsRepository(db) : undefined, file };
}

const T0 = Date.UTC(2026, 0, 1);
const DEV = 'line-1/pump-03';

/** Readings every 5 s: temperature and pressure always, vibration every third; pressure bad every seventh. */
function readings(n: number, device = DEV, every = 5000): TimedReading[] {
  return Array.from({ length: n }, (_, i) => {
    const ts = T0 + i * every;
    const r: TimedReading = {
      device_id: device,
      ts,
      timestamp: new Date(ts).toISOString(),
      values: { temperature: 60 + Math.sin(i / 7) * 5, pressure: 100 + (i % 11) },
    };
    if (i % 3 === 0) r.values.vibration = 2 + (i % 5) / 10;
    if (i % 7 === 0) r.quality = { pressure: { level: 'bad', reason: 'out_of_range' } };
    if (i % 13 === 0) r.quality = { ...r.quality, temperature: { level: 'uncertain', reason: 'stale' } };
    return r;
  });
}

/** downsample()'s buckets over reassembled readings, per tag leaving out bad values. */
function reference(rs: readonly Reading[], points: number): Array<{ timestamp: string; values: Record<string, number> }> {
  const out = [];
  for (let b = 0; b < points; b++) {
    const from = Math.floor((b * rs.length) / points);
    const to = Math.floor(((b + 1) * rs.length) / points);
    const sums: Record<string, [number, number]> = {};
    for (let i = from; i < to; i++)
      for (const [k, v] of Object.entries(rs[i].values)) {
        if (rs[i].quality?.[k]?.level === 'bad') continue;
        const s = (sums[k] ??= [0, 0]);
        s[0] += v;
        s[1]++;
      }
    out.push({ timestamp: rs[to - 1].timestamp, values: Object.fromEntries(Object.entries(sums).map(([k, [s, c]]) => [k, s / c])) });
  }
  return out;
}

/** Per tag and minute, what tag_rollup must hold for these readings. */
function expectedRollup(rs: readonly TimedReading[]) {
  const m = new Map<string, { key: string; bucket: number; n: number; sum: number; min: number | null; max: number | null; bad: number }>();
  for (const r of rs)
    for (const [key, v] of Object.entries(r.values)) {
      const bucket = r.ts - (r.ts % 60_000);
      const k = `${key}:${bucket}`;
      let a = m.get(k);
      if (!a) m.set(k, (a = { key, bucket, n: 0, sum: 0, min: null, max: null, bad: 0 }));
      if (r.quality?.[key]?.level === 'bad') a.bad++;
      else {
        a.n++;
        a.sum += v;
        a.min = a.min === null ? v : Math.min(a.min, v);
        a.max = a.max === null ? v : Math.max(a.max, v);
      }
    }
  return [...m.values()].sort((a, b) => a.key.localeCompare(b.key) || a.bucket - b.bucket);
}

const close = (got: Record<string, number>, want: Record<string, number>) => {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) expect(got[k]).toBeCloseTo(want[k], 9);
};

describe('the tag store', () => {
  it('stores one row per tag value and gives readings back reassembled by ts, partial and with quality', () => {
    const { db, repo } = openStore();
    const rs = readings(100);
    expect(repo.insertBatch(rs)).toBe(100);
    // The same readings again (a redelivery) change nothing: the first value per tag and ts stays.
    repo.insertBatch(rs.slice(0, 10).map((r) => ({ ...r, values: { ...r.values, temperature: -1 } })));
    expect(repo.count(DEV)).toBe(100);
    expect(repo.count()).toBe(100);
    expect(repo.count('nope')).toBe(0);
    const strip = ({ ts: _ts, ...r }: TimedReading): Reading => r;
    expect(repo.latest(DEV, 5)).toEqual(rs.slice(-5).map(strip));
    expect(repo.latest(DEV, 500)).toEqual(rs.map(strip));
    expect(repo.range(DEV, rs[10].ts, rs[20].ts)).toEqual(rs.slice(10, 21).map(strip));
    expect(repo.range(DEV, rs[10].ts, rs[20].ts, 4)).toEqual(rs.slice(10, 14).map(strip));
    expect(repo.latest('nope', 5)).toEqual([]);
    // The rollup holds per tag and minute what was written; the last minute is still open (in memory and tag_recent).
    const rollup = db.prepare('SELECT t.key, bucket, n, sum, min, max, bad FROM tag_rollup r JOIN tags t ON t.id = r.tag ORDER BY t.key, bucket').all();
    expect(rollup).toEqual(expectedRollup(rs).filter((r) => r.bucket < T0 + 8 * 60_000));
    expect(rollup).toHaveLength(3 * 8);
    expect(db.prepare('SELECT COUNT(*) FROM tag_recent').pluck().get()).toBe(4 + 4 + 2); // readings 96-99 of minute 8
  });

  it('latestBuckets averages in SQLite into the buckets of downsample() over latest(), for long and short windows', () => {
    const { repo } = openStore();
    const rs = readings(2345);
    repo.insertBatch([...rs, ...readings(50, 'line-2/pump-03')]);
    for (const [n, points] of [
      [2000, 60],
      [2000, 200],
      [1999, 7],
      [61, 60],
      [60, 60],
      [5, 60],
      [3000, 60],
    ] as const) {
      const got = repo.latestBuckets(DEV, n, points);
      const last = repo.latest(DEV, n);
      expect(got.count).toBe(Math.min(n, 2345));
      if (got.count <= points) {
        expect(got.readings).toEqual(last);
        continue;
      }
      const want = reference(last, points);
      expect(got.readings.map((r) => r.timestamp)).toEqual(want.map((r) => r.timestamp));
      got.readings.forEach((r, i) => close(r.values, want[i].values));
    }
    expect(repo.latestBuckets('nope', 2000, 60)).toEqual({ count: 0, readings: [] });
  });

  it('marks a tag bad in a bucket where all its values are bad', () => {
    const { repo } = openStore();
    const rs = readings(20).map((r, i) => (i < 10 ? { ...r, quality: { pressure: { level: 'bad' as const, reason: 'connector_down' as const } } } : r));
    repo.insertBatch(rs);
    const { readings: b } = repo.latestBuckets(DEV, 20, 2);
    expect(b[0].values.pressure).toBeUndefined();
    expect(b[0].quality).toEqual({ pressure: { level: 'bad', reason: 'connector_down' } });
    const good = rs.slice(10).filter((r) => !r.quality?.pressure);
    expect(good).toHaveLength(9);
    expect(b[1].values.pressure).toBeCloseTo(good.reduce((s, r) => s + r.values.pressure, 0) / 9, 9);
  });

  it('tagRange: raw values for short windows, time buckets past maxPoints, the rollup for long windows; bad is null', () => {
    const { repo } = openStore();
    const rs = readings(2000); // 10,000 s
    repo.insertBatch(rs);
    const tag = `${DEV}/pressure`;
    const end = rs[rs.length - 1].ts;

    const [short] = repo.tagRange([tag], rs[0].ts, rs[20].ts, 100);
    expect(short.source).toBe('raw');
    expect(short.ts).toEqual(rs.slice(0, 21).map((r) => r.ts));
    expect(short.value).toEqual(rs.slice(0, 21).map((r) => (r.quality?.pressure ? null : r.values.pressure)));

    // 2000 values, 200 points of 50 s (under a minute: not the rollup): each bucket holds 10 values.
    const [mid] = repo.tagRange([tag], T0, T0 + 9_999_999, 200);
    expect(mid.source).toBe('buckets');
    expect(mid.ts).toHaveLength(200);
    for (let b = 0; b < 200; b++) {
      const good = rs
        .slice(b * 10, b * 10 + 10)
        .filter((r) => !r.quality?.pressure)
        .map((r) => r.values.pressure);
      expect(mid.ts[b]).toBe(T0 + b * 50_000);
      expect(mid.value[b]).toBeCloseTo(good.reduce((s, v) => s + v, 0) / good.length, 9);
      expect(mid.min?.[b]).toBe(Math.min(...good));
      expect(mid.max?.[b]).toBe(Math.max(...good));
    }

    // Two-minute points over the whole run: from the rollup, each point two minutes summed.
    const [long] = repo.tagRange([tag], T0, end, 84);
    expect(long.source).toBe('rollup');
    expect(long.ts[1] - long.ts[0]).toBe(120_000);
    expect(long.ts).toHaveLength(Math.ceil((end - T0 + 1) / 120_000));
    for (const [i, b] of long.ts.entries()) {
      const good = rs.filter((r) => r.ts >= b && r.ts < b + 120_000 && !r.quality?.pressure).map((r) => r.values.pressure);
      expect(long.value[i]).toBeCloseTo(good.reduce((s, v) => s + v, 0) / good.length, 9);
      expect(long.min?.[i]).toBe(Math.min(...good));
      expect(long.max?.[i]).toBe(Math.max(...good));
    }

    const [vib, none] = repo.tagRange([`${DEV}/vibration`, 'nope/x'], rs[0].ts, rs[9].ts, 100);
    expect(vib.ts).toEqual([rs[0].ts, rs[3].ts, rs[6].ts, rs[9].ts]);
    expect(none).toEqual({ tag: 'nope/x', ts: [], value: [], source: 'raw' });
  });

  it('retention deletes old values and whole old rollup minutes, each with its own cutoff', () => {
    const { db, repo } = openStore();
    const rs = readings(240); // 20 minutes
    repo.insertBatch(rs);
    const minutes = () => db.prepare('SELECT DISTINCT bucket FROM tag_rollup ORDER BY bucket').pluck().all();
    const deleted = repo.deleteOlderThan(T0 + 600_000, T0 + 90_000);
    expect(deleted).toBe(rs.slice(0, 120).reduce((n, r) => n + Object.keys(r.values).length, 0));
    expect(repo.count(DEV)).toBe(120);
    expect(repo.latest(DEV, 1000)[0].timestamp).toBe(new Date(T0 + 600_000).toISOString());
    // The minute 60-120 s is not over at 90 s: it stays.
    expect(minutes()[0]).toBe(T0 + 60_000);
    repo.deleteOlderThan(T0 + 600_000);
    expect(minutes()[0]).toBe(T0 + 600_000);
  });

  it('undoes in memory what a batch that rolled back did (new tags, open minutes)', () => {
    const { db, file, repo } = openStore();
    const DEV2 = 'area/line/new-asset';
    const at = (i: number, values: Record<string, number>): TimedReading => ({ device_id: DEV2, ts: T0 + i * 1000, timestamp: '', values });
    repo.insertBatch([at(0, { flow: 3 })]);
    // A write failing halfway (as on a full disk): the whole batch rolls back.
    db.exec("CREATE TRIGGER fail BEFORE INSERT ON tag_recent WHEN NEW.value = 666 BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
    expect(() => repo.insertBatch([at(1, { flow: 4 }), at(70, { flow: 5 }), at(71, { level: 666 })])).toThrow(/disk I\/O error/);
    expect(db.prepare('SELECT tag FROM tags').pluck().all()).toEqual([`${DEV2}/flow`]);
    expect(repo.latest(DEV2, 10).map((r) => r.values)).toEqual([{ flow: 3 }]);
    expect(db.prepare('SELECT COUNT(*) FROM tag_rollup').pluck().get()).toBe(0);
    db.exec('DROP TRIGGER fail');
    repo.insertBatch([at(1, { flow: 4 }), at(70, { flow: 5 }), at(71, { level: 7 })]);
    expect(repo.count(DEV2)).toBe(4);
    expect(repo.tagRange([`${DEV2}/flow`], T0, T0 + 100_000, 10).map((s) => s.value)).toEqual([[3, 4, 5]]);
    db.close();
    // A restart reloads the open minutes from tag_recent.
    const again = openDatabase(file);
    cleanups.push(() => again.close());
    const repo2 = createReadingsRepository(again);
    expect(repo2.latest(DEV2, 5).map((r) => r.values)).toEqual([{ flow: 3 }, { flow: 4 }, { flow: 5 }, { level: 7 }]);
  });

  it('comes back after a restart with every value once, packs the minutes replayed, merges late values, packs quiet tags', () => {
    const { db, file, repo } = openStore();
    const rs = readings(100); // 8 minutes 20 s
    repo.insertBatch(rs.slice(0, 60));
    db.close();
    const db2 = openDatabase(file);
    cleanups.push(() => db2.close());
    const repo2 = createReadingsRepository(db2);
    repo2.insertBatch(rs.slice(55)); // five again: a redelivery after the restart
    const strip = ({ ts: _ts, ...r }: TimedReading): Reading => r;
    expect(repo2.latest(DEV, 1000)).toEqual(rs.map(strip));
    expect(db2.prepare('SELECT t.key, bucket, n, sum, min, max, bad FROM tag_rollup r JOIN tags t ON t.id = r.tag ORDER BY t.key, bucket').all()).toEqual(
      expectedRollup(rs).filter((r) => r.bucket < T0 + 8 * 60_000),
    );
    // A late value for a packed minute is merged into it (rollup too); one already there is not taken again.
    const late: TimedReading = { device_id: DEV, ts: T0 + 2500, timestamp: '', values: { temperature: 1000, pressure: -1 } };
    repo2.insertBatch([late, { ...late, ts: T0 }]);
    const [temp] = repo2.tagRange([`${DEV}/temperature`], T0, T0 + 9_999, 10);
    expect(temp).toMatchObject({ ts: [T0, T0 + 2500, T0 + 5000], value: [rs[0].values.temperature, 1000, rs[1].values.temperature] });
    expect(db2.prepare("SELECT max FROM tag_rollup WHERE bucket = ? AND tag = (SELECT id FROM tags WHERE key = 'temperature')").pluck().get(T0)).toBe(1000);
    // A device that went quiet: its open minute is packed once the plant is two minutes further on.
    const quiet = 'line-9/quiet';
    repo2.insertBatch([{ device_id: quiet, ts: rs[99].ts, timestamp: '', values: { x: 1 } }]);
    repo2.insertBatch(readings(30, DEV, 5000).map((r) => ({ ...r, ts: r.ts + 12 * 60_000 })));
    expect(db2.prepare('SELECT n FROM tag_rollup WHERE tag = (SELECT id FROM tags WHERE device = ?)').pluck().all(quiet)).toEqual([1]);
    // tag_recent holds only the open minutes' values.
    expect(db2.prepare('SELECT MIN(ts) FROM tag_recent').pluck().get()).toBeGreaterThanOrEqual(T0 + 14 * 60_000);
    expect(repo2.count(quiet)).toBe(1);
  });

  it("packs a minute's turn a share per batch, reads the closed minutes meanwhile, and loses none to a rollback or a restart", () => {
    // 1,000 tags: a minute's turn closes 1,000 minutes at once; packing them all in that batch stalled ingest at 100,000 tags.
    const keys = Array.from({ length: 100 }, (_, k) => `k${k}`);
    const devices = Array.from({ length: 10 }, (_, d) => `line-1/rack-${d}`);
    const at = (ts: number, v: number): TimedReading[] =>
      devices.map((device_id) => ({ device_id, ts, timestamp: '', values: Object.fromEntries(keys.map((k) => [k, v])) }));
    const rollupRows = (db: Db) => db.prepare('SELECT COUNT(*) FROM tag_rollup').pluck().get();
    const turn = (repo: ReadingsRepository) => {
      repo.insertBatch([...at(T0, 1), ...at(T0 + 30_000, 3)]);
      repo.insertBatch(at(T0 + 60_000, 5));
    };
    const { db, repo } = openStore();
    turn(repo);
    expect(rollupRows(db)).toBe(256);
    // A minute not packed yet reads as a packed one: raw values, and its rollup point from its values.
    const last = `${devices[9]}/k99`;
    expect(repo.tagRange([last], T0 - 120_000, T0 + 120_000, 2)).toEqual([
      { tag: last, ts: [T0 - 120_000, T0 + 60_000], value: [2, 5], min: [1, 5], max: [3, 5], source: 'rollup' },
    ]);
    expect(repo.latest(devices[9], 10).map((r) => r.values.k99)).toEqual([1, 3, 5]);
    // A batch that rolls back undoes its packing in memory too.
    db.exec("CREATE TRIGGER fail BEFORE INSERT ON tag_recent WHEN NEW.value = 666 BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
    expect(() => repo.insertBatch(at(T0 + 61_000, 666))).toThrow(/disk I\/O error/);
    db.exec('DROP TRIGGER fail');
    expect(rollupRows(db)).toBe(256);
    expect(repo.latest(devices[9], 10).map((r) => r.values.k99)).toEqual([1, 3, 5]);
    for (let i = 1; i <= 3; i++) repo.insertBatch(at(T0 + 61_000 + i * 1000, 7));
    expect(rollupRows(db)).toBe(1000);
    expect(db.prepare('SELECT n, sum FROM tag_rollup WHERE tag = (SELECT id FROM tags WHERE tag = ?)').get(last)).toEqual({ n: 2, sum: 4 });
    expect(repo.count()).toBe(60);

    // A restart while closed minutes wait: every value comes back once, and they are packed.
    const second = openStore();
    turn(second.repo);
    second.db.close();
    const again = openDatabase(second.file);
    cleanups.push(() => again.close());
    const repo2 = createReadingsRepository(again);
    expect(rollupRows(again)).toBe(1000);
    expect(repo2.count()).toBe(30);
    expect(repo2.latest(devices[9], 10).map((r) => r.values.k99)).toEqual([1, 3, 5]);
  });

  it('migrates the five-sensor readings table into the tag tables in one step and drops it', () => {
    const { db, file } = openStoreFile(readingsMigrations.slice(0, 1), false);
    const ins = db.prepare('INSERT INTO readings (device_id, ts, temperature, pressure, vibration, humidity, power) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const old = [];
    for (let i = 0; i < 300; i++)
      for (const d of ['line-1/compressor-01', 'line-2/motor-02']) {
        const row = [d, T0 + i * 5000, 60 + i / 10, 100 - i / 10, 2, 40 + (i % 3), 20 + (i % 7)] as const;
        ins.run(...row);
        old.push(row);
      }
    // A second row of one device at the same ts: the first one wins.
    ins.run('line-1/compressor-01', T0, 1, 1, 1, 1, 1);
    db.close();

    const db2 = openDatabase(file);
    cleanups.push(() => db2.close());
    expect(applyMigrations(db2, readingsMigrations)).toEqual(['store-002-tags']);
    expect(db2.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'readings%'").all()).toEqual([]);
    const repo = createReadingsRepository(db2);
    expect(repo.count()).toBe(600);
    expect(repo.count('line-2/motor-02')).toBe(300);
    const want = old
      .filter((r) => r[0] === 'line-1/compressor-01')
      .map(([device_id, ts, temperature, pressure, vibration, humidity, power]) => ({
        device_id,
        timestamp: new Date(ts).toISOString(),
        values: { temperature, pressure, vibration, humidity, power },
      }));
    expect(repo.latest('line-1/compressor-01', 1000)).toEqual(want);
    const [t] = repo.tagRange(['line-2/motor-02/power'], T0, T0 + 300 * 5000, 10);
    expect(t.source).toBe('rollup');
    expect(t.value[0]).toBeCloseTo(old.filter((r) => r[0] === 'line-2/motor-02' && r[1] < T0 + 180_000).reduce((s, r) => s + r[6], 0) / 36, 9);
    // New readings go on after the migrated ones.
    repo.insertBatch([{ device_id: 'line-2/motor-02', ts: T0 + 300 * 5000, timestamp: '', values: { power: 1 } }]);
    expect(repo.count('line-2/motor-02')).toBe(301);
  });
});
