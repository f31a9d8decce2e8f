// The clock segments' store: kept in SQLite across reopenings, bounded by count and age (the newest
// segment before the age cutoff kept), redundant segments merged.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manualClock } from '../clock';
import { applyMigrations, openDatabase } from '../store';
import { tempDir } from '../../../tests/helpers';
import { createClockSegments, plantMigrations } from './clock-store';

const DAY = 86_400_000;

describe('clock segments store', () => {
  const t = tempDir('aegis-clock-store-');
  afterAll(() => t.cleanup());
  const open = () => {
    const db = openDatabase(path.join(t.dir, `db-${Math.random().toString(36).slice(2)}.db`));
    applyMigrations(db, plantMigrations);
    return db;
  };

  it('reads back what was added, in order, after the database is opened again', () => {
    const file = path.join(t.dir, 'reopen.db');
    const clock = manualClock(1_000_000);
    let db = openDatabase(file);
    applyMigrations(db, plantMigrations);
    const s = createClockSegments({ db, now: clock.now });
    s.add({ wall: 1000, plant: 5000, rate: 100 });
    s.add({ wall: 2000, plant: 200_000, rate: null });
    s.add({ wall: 3000, plant: 300_000, rate: 0 });
    db.close();
    db = openDatabase(file);
    expect(createClockSegments({ db, now: clock.now }).list()).toEqual([
      { wall: 1000, plant: 5000, rate: 100 },
      { wall: 2000, plant: 200_000, rate: null },
      { wall: 3000, plant: 300_000, rate: 0 },
    ]);
    db.close();
  });

  it('replaces a segment that starts at the same wall instant and skips one that changes nothing', () => {
    const db = open();
    const s = createClockSegments({ db, now: () => 10_000 });
    s.add({ wall: 1000, plant: 1000, rate: 0 });
    s.add({ wall: 1000, plant: 2000, rate: 10 });
    s.add({ wall: 2000, plant: 12_000, rate: 10 });
    s.add({ wall: 3000, plant: 50_000, rate: 10 });
    s.add({ wall: 4000, plant: 50_000, rate: 0 });
    s.add({ wall: 5000, plant: 50_000, rate: 0 });
    const want = [
      { wall: 1000, plant: 2000, rate: 10 },
      { wall: 3000, plant: 50_000, rate: 10 },
      { wall: 4000, plant: 50_000, rate: 0 },
    ];
    expect(s.list()).toEqual(want);
    expect(createClockSegments({ db, now: () => 10_000 }).list()).toEqual(want);
    db.close();
  });

  it('keeps the replay position noted last across a reopening, one row however often it is noted', () => {
    const db = open();
    const s = createClockSegments({ db, now: () => 0 });
    expect(s.position()).toBeUndefined();
    s.notePosition({ wall: 1000, plant: 50_000 });
    s.notePosition({ wall: 2000, plant: 60_000 });
    expect(s.position()).toEqual({ wall: 2000, plant: 60_000 });
    expect(createClockSegments({ db, now: () => 0 }).position()).toEqual({ wall: 2000, plant: 60_000 });
    expect(db.prepare('SELECT COUNT(*) FROM sim_replay_position').pluck().get()).toBe(1);
    db.close();
  });

  it('keeps at most maxSegments, the newest', () => {
    const db = open();
    const s = createClockSegments({ db, now: () => 0, maxSegments: 3 });
    for (let i = 1; i <= 5; i++) s.add({ wall: i * 1000, plant: i * 7, rate: i });
    expect(s.list().map((x) => x.wall)).toEqual([3000, 4000, 5000]);
    expect(
      createClockSegments({ db, now: () => 0, maxSegments: 3 })
        .list()
        .map((x) => x.wall),
    ).toEqual([3000, 4000, 5000]);
    db.close();
  });

  it('drops segments older than maxAge but keeps the one that covers the cutoff', () => {
    const db = open();
    const clock = manualClock(0);
    const s = createClockSegments({ db, now: clock.now, maxAgeMs: 30 * DAY });
    for (const d of [0, 10, 20, 40]) s.add({ wall: d * DAY, plant: d * DAY, rate: 1 + d });
    clock.set(45 * DAY);
    // Cutoff at day 15: day 10's segment still covers days 15…20; day 0's goes.
    expect(
      createClockSegments({ db, now: clock.now, maxAgeMs: 30 * DAY })
        .list()
        .map((x) => x.wall / DAY),
    ).toEqual([10, 20, 40]);
    db.close();
  });

  it('gives the newest few with the count of older ones, and a stretch with the segment covering its start', () => {
    const s = createClockSegments({ now: () => 0 });
    for (let i = 1; i <= 6; i++) s.add({ wall: i * 1000, plant: i * 7, rate: i });
    const walls = (p: { segments: Array<{ wall: number }> }) => p.segments.map((x) => x.wall);
    expect(walls(s.recent(2))).toEqual([5000, 6000]);
    expect(s.recent(2).older).toBe(4);
    expect(s.recent(10)).toEqual({ segments: s.list(), older: 0 });
    expect(s.last()).toEqual({ wall: 6000, plant: 42, rate: 6 });
    // [2500, 4000): 2000 covers 2500, 3000 starts in it, 4000 does not.
    expect(walls(s.range(2500, 4000))).toEqual([2000, 3000]);
    expect(s.range(2500, 4000).older).toBe(1);
    // A stretch starting on a segment's own instant begins with it.
    expect(walls(s.range(3000, 4001))).toEqual([3000, 4000]);
    expect(walls(s.range(undefined, 2000))).toEqual([1000]);
    expect(walls(s.range(5500))).toEqual([5000, 6000]);
    expect(walls(s.range(10, 500))).toEqual([]);
    expect(s.range()).toEqual({ segments: s.list(), older: 0 });
  });
});
